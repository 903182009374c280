-- pacto-lsp client for Neovim 0.7 and newer.
--
--   require('pacto').setup({ cmd = { 'pacto-lsp' }, settings = { readiness = { gate = true } } })
--
-- On Neovim 0.11+ setup() hands the configuration to `vim.lsp.config('pacto', …)` and
-- `vim.lsp.enable('pacto')` (lsp/pacto.lua holds the defaults). On older versions it starts one
-- client per bundle folder (the folder holding pacto.yaml) with `vim.lsp.start_client` from a
-- FileType autocommand and attaches it with `vim.lsp.buf_attach_client`.
local M = {}

--- The client's name (what `:LspInfo`, `vim.lsp.get_clients({ name = 'pacto' })` and the
--- user commands look for) and the filetype ftdetect/pacto.lua gives `pacto.yaml`.
M.name = 'pacto'
M.filetype = 'yaml.pacto'

local DEFAULTS = {
  cmd = { 'pacto-lsp' },
  settings = {},
  on_attach = nil,
  capabilities = nil,
}

--- The options in effect: the defaults until setup() is called.
M.config = vim.deepcopy(DEFAULTS)
--- Whether setup() was called in this session.
M.did_setup = false

local function has(version)
  return vim.fn.has('nvim-' .. version) == 1
end

--- True when this Neovim has `vim.lsp.config` / `vim.lsp.enable` (0.11+), which setup() then uses.
function M.native()
  return has('0.11') and type(vim.lsp.config) == 'table' and type(vim.lsp.enable) == 'function'
end

--- `vim.notify` with the plugin's prefix and title.
function M.notify(message, level)
  vim.notify('pacto: ' .. message, level or vim.log.levels.INFO, { title = 'pacto' })
end

-- Client methods became `client:method()` in 0.11; before, they were closures called with a dot.
local function call(client, method, ...)
  if has('0.11') then
    return client[method](client, ...)
  end
  return client[method](...)
end

--- Sends a request to one client; `handler(err, result, ctx)` runs on the main loop.
function M.request(client, method, params, handler, bufnr)
  return call(client, 'request', method, params, handler, bufnr)
end

function M.is_stopped(client)
  return call(client, 'is_stopped')
end

--- The running pacto clients, sorted by id; only those attached to `bufnr` when given.
function M.get_clients(bufnr)
  local list = {}
  if vim.lsp.get_clients then
    list = vim.lsp.get_clients({ bufnr = bufnr, name = M.name })
  else
    local source = bufnr and vim.lsp.buf_get_clients(bufnr) or vim.lsp.get_active_clients()
    for _, client in pairs(source) do
      if client.name == M.name then
        list[#list + 1] = client
      end
    end
  end
  table.sort(list, function(a, b)
    return a.id < b.id
  end)
  return list
end

--- The pacto client attached to `bufnr` (default: the current buffer), or nil.
function M.get_client(bufnr)
  if bufnr == nil or bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  return M.get_clients(bufnr)[1]
end

--- The server command in effect: setup()'s `cmd`, else (0.11+) `vim.lsp.config.pacto.cmd`, else
--- the default. May be a function on 0.11+ (an in-process or custom RPC server).
function M.cmd()
  if not M.did_setup and M.native() then
    local ok, config = pcall(function()
      return vim.lsp.config[M.name]
    end)
    if ok and type(config) == 'table' and config.cmd ~= nil then
      return config.cmd
    end
  end
  return M.config.cmd
end

--- Whether `cmd` can be started: `true`, or `false` and a message saying why not.
function M.check_cmd(cmd)
  if type(cmd) == 'function' then
    return true
  end
  if type(cmd) ~= 'table' or type(cmd[1]) ~= 'string' or cmd[1] == '' then
    return false, ('`cmd` must be a list like { "pacto-lsp" }, got %s'):format(vim.inspect(cmd))
  end
  if vim.fn.executable(cmd[1]) ~= 1 then
    return false, ('%q is not an executable file (or not on $PATH)'):format(cmd[1])
  end
  return true
end

-- A JSON object even when empty (an empty Lua table would be encoded as `[]`).
local function object(value)
  if type(value) == 'table' and next(value) == nil then
    return vim.empty_dict()
  end
  return value
end

-- Neovim's defaults, plus `workspace.configuration` (Neovim 0.7 answers workspace/configuration
-- from `settings` but does not say so, so the server would never ask), then the user's.
local function capabilities(extra)
  local base = vim.lsp.protocol.make_client_capabilities()
  base.workspace = base.workspace or {}
  base.workspace.configuration = true
  return vim.tbl_deep_extend('force', base, extra or {})
end

--- serverInfo from each client's initialize result, by client id (for :checkhealth pacto).
M.server_info = {}

local function on_init(client, result)
  M.server_info[client.id] = result and result.serverInfo or nil
end

-- Bundle folder -> client id, for the start_client path.
local clients_by_root = {}
-- Commands already reported as not executable (one message per command, not per buffer).
local reported = {}

local function report_unusable(cmd)
  local ok, why = M.check_cmd(cmd)
  if ok then
    return false
  end
  local key = vim.inspect(cmd)
  if not reported[key] then
    reported[key] = true
    M.notify(
      'cannot start the language server: '
        .. why
        .. ". Install pacto-lsp, or pass its path: require('pacto').setup({ cmd = { '/path/to/pacto-lsp' } }). "
        .. 'See :checkhealth pacto',
      vim.log.levels.ERROR
    )
  end
  return true
end

--- The client configuration for a bundle folder (start_client path, Neovim < 0.11).
function M.client_config(root)
  local config = M.config
  return {
    name = M.name,
    cmd = config.cmd,
    root_dir = root,
    init_options = object(config.settings),
    -- Answered to `workspace/configuration` (section `pacto`) by Neovim's default handler.
    settings = { pacto = object(config.settings) },
    capabilities = capabilities(config.capabilities),
    on_attach = config.on_attach,
    on_init = on_init,
    on_exit = function(_, _, client_id)
      if clients_by_root[root] == client_id then
        clients_by_root[root] = nil
      end
      M.server_info[client_id] = nil
    end,
  }
end

--- Attaches the pacto client of the buffer's folder to `bufnr`, starting it first if needed
--- (start_client path; on 0.11+ `vim.lsp.enable` does this).
function M.attach(bufnr)
  if bufnr == nil or bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  local file = vim.api.nvim_buf_get_name(bufnr)
  if file == '' or vim.bo[bufnr].buftype ~= '' then
    return nil
  end
  if report_unusable(M.config.cmd) then
    return nil
  end
  local root = vim.fn.fnamemodify(file, ':p:h')
  local client_id = clients_by_root[root]
  local client = client_id and vim.lsp.get_client_by_id(client_id)
  if not client or M.is_stopped(client) then
    -- start_client raises when the process cannot be spawned.
    local started, id = pcall(vim.lsp.start_client, M.client_config(root))
    if not started or not id then
      M.notify(('could not start %s: %s (see :checkhealth pacto and the log %s)'):format(
        table.concat(M.config.cmd, ' '),
        tostring(id),
        vim.lsp.get_log_path()
      ), vim.log.levels.ERROR)
      return nil
    end
    client_id = id
    clients_by_root[root] = client_id
  end
  vim.lsp.buf_attach_client(bufnr, client_id)
  return client_id
end

local function check_options(opts)
  local expected = { cmd = 'table', settings = 'table', on_attach = 'function', capabilities = 'table' }
  for key, value in pairs(opts) do
    local kind = expected[key]
    if kind == nil then
      error(('pacto.setup: unknown option %q (expected cmd, settings, on_attach or capabilities)'):format(key), 3)
    end
    if type(value) ~= kind then
      error(('pacto.setup: option %q must be a %s, got %s'):format(key, kind, type(value)), 3)
    end
  end
end

--- Configures and enables the client. `opts`:
---   cmd          list, default { 'pacto-lsp' }: the server command
---   settings     table, default {}: the `pacto` section (readiness.gate, readiness.warnDays,
---                registry.plainHttp, registry.timeoutMs, offline, cacheDir), sent as
---                initializationOptions and answered to workspace/configuration
---   on_attach    function(client, bufnr)
---   capabilities table merged over vim.lsp.protocol.make_client_capabilities()
function M.setup(opts)
  opts = opts or {}
  check_options(opts)
  M.config = vim.tbl_extend('force', vim.deepcopy(DEFAULTS), opts)
  M.did_setup = true
  reported = {}

  -- Running clients get the new settings now; a new `cmd` applies to clients started later.
  for _, client in ipairs(M.get_clients()) do
    local section = { pacto = object(M.config.settings) }
    -- What workspace/configuration answers from: `config.settings` before 0.10, `settings` after.
    client.config.settings = section
    if client.settings ~= nil then
      client.settings = section
    end
    call(client, 'notify', 'workspace/didChangeConfiguration', { settings = section })
  end

  local group = vim.api.nvim_create_augroup('pacto', { clear = true })
  if M.native() then
    vim.lsp.config(M.name, {
      cmd = M.config.cmd,
      init_options = object(M.config.settings),
      settings = { pacto = object(M.config.settings) },
      capabilities = capabilities(M.config.capabilities),
      on_attach = M.config.on_attach,
      on_init = on_init,
    })
    -- vim.lsp.enable skips a command that is not executable; say so once.
    vim.api.nvim_create_autocmd('FileType', {
      group = group,
      pattern = M.filetype,
      callback = function()
        report_unusable(M.config.cmd)
      end,
    })
    vim.lsp.enable(M.name)
    return
  end

  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = M.filetype,
    callback = function(args)
      M.attach(args.buf)
    end,
  })
  -- Contracts opened before setup() ran.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.bo[bufnr].filetype == M.filetype then
      M.attach(bufnr)
    end
  end
end

return M
