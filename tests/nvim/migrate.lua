-- End-to-end test of pacto-lsp's migration code actions (kind `source.migrate.pacto`) with a real
-- Neovim LSP client: the actions are asked for with `only`, and "Migrate to pactoVersion 2.0" is
-- chosen through vim.lsp.buf.code_action(), which applies its `documentChanges` (two CreateFile
-- operations, the new files' text and the contract's edits) with vim.lsp.util.apply_workspace_edit.
-- Written for Neovim 0.7.2 (the Debian bookworm package) and uses only APIs that 0.7 has.
--
-- Run by tests/neovim.rs as
--   nvim --headless --clean -u NONE -i NONE -n -c "luafile tests/nvim/migrate.lua"
-- with the environment:
--   PACTO_LSP_BIN       the server binary
--   PACTO_TEST_DIR      a scratch copy of examples/payments-api: a `pactoVersion: "1.1"` contract
--                       with readiness checks, comments, a gRPC interface whose contract is a
--                       .proto file and an http interface without `contract`, so the 2.0
--                       migration creates two spec files; the script writes every buffer it
--                       changed, and tests/neovim.rs checks the files on disk after Neovim exits
--   PACTO_TEST_ENCODING "utf-16" (default: what Neovim 0.7 speaks) or "utf-8" (offered through
--                       `general.positionEncodings`, with the client switched to UTF-8 offsets)
--
-- Prints exactly one line `NVIM-LSP-OK` and quits with status 0 on success; prints
-- `NVIM-LSP-FAIL: <reason>` and quits with status 1 on any failure or timeout.

local WAIT_MS = 10000
local KIND = 'source.migrate.pacto'
local UPGRADE_READINESS = 'Upgrade readiness to 1.2'
local MIGRATE_2_0 = 'Migrate to pactoVersion 2.0 (keeps as comments: service.image, interfaces[].port, '
  .. 'runtime.lifecycle, runtime.health.initialDelaySeconds, scaling; creates interfaces/ledger.grpc.yaml, '
  .. 'interfaces/admin.openapi.yaml)'
local NEW_FILES = { 'interfaces/ledger.grpc.yaml', 'interfaces/admin.openapi.yaml' }
local DISABLED_REASON = 'it creates spec files, which this editor cannot do; run `pacto-lsp migrate --to 2.0 --write` instead'

local lib = dofile(debug.getinfo(1, 'S').source:sub(2):match('(.*/)') .. 'lib.lua')
local inspect, fail, check, env = lib.inspect, lib.fail, lib.check, lib.env

local function contains(list, value)
  for _, it in ipairs(list or {}) do
    if it == value then
      return true
    end
  end
  return false
end

local function describe_actions(actions)
  local result = {}
  for _, action in ipairs(actions or {}) do
    result[#result + 1] = ('%q [%s%s]'):format(
      tostring(action.title),
      tostring(action.kind),
      action.disabled and (', disabled: ' .. tostring(action.disabled.reason)) or ''
    )
  end
  return table.concat(result, '; ')
end

-- The action titled `title`, of the migration kind.
local function find_action(actions, title)
  for _, action in ipairs(actions) do
    if action.title == title then
      check(action.kind == KIND, ('%q has kind %s, expected %s'):format(title, tostring(action.kind), KIND))
      return action
    end
  end
  fail(('no action titled %q among: %s'):format(title, describe_actions(actions)))
end

-- A running pacto-lsp client attached to `bufnr`, with `capabilities`; the fields `publishes`
-- (the buffer's publishDiagnostics, in order), `exit_code` and `exit_signal` fill in as it runs.
local function start(bufnr, dir, encoding, capabilities)
  local bin = env('PACTO_LSP_BIN')
  local state = { publishes = {} }
  local default_publish = vim.lsp.handlers['textDocument/publishDiagnostics']
  local function on_publish(err, result, ctx, config)
    default_publish(err, result, ctx, config)
    if result and vim.uri_to_fname(result.uri) == vim.api.nvim_buf_get_name(bufnr) then
      state.publishes[#state.publishes + 1] = { version = result.version, diagnostics = result.diagnostics }
    end
  end
  if encoding == 'utf-8' then
    capabilities.general = { positionEncodings = { 'utf-8', 'utf-16' } }
  end
  state.id = vim.lsp.start_client({
    name = 'pacto-lsp',
    cmd = { bin, '--stdio' },
    root_dir = dir,
    capabilities = capabilities,
    offset_encoding = encoding,
    handlers = { ['textDocument/publishDiagnostics'] = on_publish },
    on_init = function(_, result)
      state.init_result = result
    end,
    on_exit = function(code, signal)
      state.exit_code, state.exit_signal = code, signal
    end,
  })
  check(state.id ~= nil, 'vim.lsp.start_client failed to start ' .. bin)
  check(vim.lsp.buf_attach_client(bufnr, state.id), 'vim.lsp.buf_attach_client failed')

  function state.wait_for(what, predicate)
    local ok = vim.wait(WAIT_MS, function()
      return predicate() or state.exit_code ~= nil
    end, 20)
    check(state.exit_code == nil, ('the server exited (code %s, signal %s) while waiting for %s'):format(
      tostring(state.exit_code),
      tostring(state.exit_signal),
      what
    ))
    check(ok, ('timed out after %d ms waiting for %s (publishes so far: %s)'):format(WAIT_MS, what, inspect(state.publishes)))
  end

  -- Waits for the diagnostics of the buffer's current version; returns them.
  function state.current_diagnostics(what)
    state.wait_for(what, function()
      local last = state.publishes[#state.publishes]
      return last ~= nil and last.version == vim.lsp.util.buf_versions[bufnr]
    end)
    return state.publishes[#state.publishes].diagnostics
  end

  -- The migration actions at the start of the buffer, asked for with `only` like a user's
  -- `:lua vim.lsp.buf.code_action({ only = { 'source.migrate.pacto' } })`.
  function state.migrations()
    vim.api.nvim_win_set_cursor(0, { 1, 0 })
    local params = vim.lsp.util.make_range_params()
    params.context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(bufnr), only = { KIND } }
    local responses, reason = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', params, WAIT_MS)
    check(state.exit_code == nil, 'the server exited during textDocument/codeAction')
    check(responses ~= nil, ('textDocument/codeAction: no response within %d ms (%s)'):format(WAIT_MS, tostring(reason)))
    local response = responses[state.id]
    check(response ~= nil and response.err == nil, 'textDocument/codeAction failed: ' .. inspect(responses))
    return response.result or {}
  end

  -- An orderly shutdown: `shutdown` + `exit`, and the server exits with status 0.
  function state.stop()
    vim.lsp.get_client_by_id(state.id).stop()
    local exited = vim.wait(WAIT_MS, function()
      return state.exit_code ~= nil
    end, 20)
    check(exited, ('the server did not exit within %d ms of shutdown/exit'):format(WAIT_MS))
    check(state.exit_code == 0 and state.exit_signal == 0, ('the server exited with code %s, signal %s'):format(
      tostring(state.exit_code),
      tostring(state.exit_signal)
    ))
  end

  state.wait_for('the initialize response', function()
    return state.init_result ~= nil
  end)
  check(state.init_result.capabilities.positionEncoding == encoding, ('the server chose position encoding %s, expected %s'):format(
    tostring(state.init_result.capabilities.positionEncoding),
    encoding
  ))
  return state
end

local function errors_in(diagnostics)
  local result = {}
  for _, d in ipairs(diagnostics) do
    if d.severity == vim.lsp.protocol.DiagnosticSeverity.Error then
      result[#result + 1] = tostring(d.code) .. ' ' .. tostring(d.message)
    end
  end
  return result
end

local function main()
  local dir = env('PACTO_TEST_DIR')
  local encoding = os.getenv('PACTO_TEST_ENCODING') or 'utf-16'
  check(encoding == 'utf-16' or encoding == 'utf-8', 'PACTO_TEST_ENCODING must be utf-16 or utf-8')
  check(vim.fn.has('nvim-0.7') == 1, 'needs Neovim 0.7 or newer')

  local file = dir .. '/pacto.yaml'
  check(vim.fn.filereadable(file) == 1, file .. ' is not readable')
  for _, path in ipairs(NEW_FILES) do
    check(vim.fn.filereadable(dir .. '/' .. path) == 0, path .. ' exists before the migration')
  end
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  vim.bo[bufnr].filetype = 'yaml'
  local original = lib.buffer_lines(bufnr)
  check(contains(original, 'pactoVersion: "1.1"'), 'the fixture is not a pactoVersion "1.1" contract')

  -- 1. Neovim's own client capabilities say it can create files (0.7.2 advertises
  --    `resourceOperations = { 'rename', 'create', 'delete' }`), so the server offers the 2.0
  --    migration enabled. A client whose capabilities leave `create` out gets it disabled, with
  --    the reason and the command to run instead; the readiness upgrade creates no file and stays.
  local defaults = vim.lsp.protocol.make_client_capabilities()
  local operations = defaults.workspace and defaults.workspace.workspaceEdit
    and defaults.workspace.workspaceEdit.resourceOperations
  check(contains(operations, 'create'), 'this Neovim does not advertise `create` in '
    .. 'workspace.workspaceEdit.resourceOperations: ' .. inspect(operations))

  local without_create = vim.lsp.protocol.make_client_capabilities()
  without_create.workspace.workspaceEdit.resourceOperations = { 'rename', 'delete' }
  local limited = start(bufnr, dir, encoding, without_create)
  check(#errors_in(limited.current_diagnostics('diagnostics for the 1.1 contract')) == 0, 'the 1.1 contract has errors')
  local actions = limited.migrations()
  check(#actions == 2, 'a client without `create` got ' .. describe_actions(actions))
  check(find_action(actions, UPGRADE_READINESS).disabled == nil, 'the readiness upgrade is disabled: ' .. describe_actions(actions))
  local disabled = find_action(actions, MIGRATE_2_0).disabled
  check(disabled ~= nil and disabled.reason == DISABLED_REASON, 'without `create` the 2.0 migration is not disabled '
    .. 'with the expected reason: ' .. describe_actions(actions))
  limited.stop()

  -- 2. With Neovim's defaults: both migrations, enabled; the 2.0 one creates the two spec files.
  local server = start(bufnr, dir, encoding, vim.lsp.protocol.make_client_capabilities())
  local client = vim.lsp.get_client_by_id(server.id)
  check(client.offset_encoding == encoding, 'the client uses offset encoding ' .. tostring(client.offset_encoding))
  check(#errors_in(server.current_diagnostics('diagnostics for the 1.1 contract')) == 0, 'the 1.1 contract has errors')
  actions = server.migrations()
  check(#actions == 2, 'expected the two migrations, got ' .. describe_actions(actions))
  local readiness = find_action(actions, UPGRADE_READINESS)
  local migration = find_action(actions, MIGRATE_2_0)
  check(readiness.disabled == nil and migration.disabled == nil, 'a migration is disabled: ' .. describe_actions(actions))
  check(readiness.edit and readiness.edit.documentChanges, 'the readiness upgrade has no documentChanges: ' .. inspect(readiness))

  -- Its documentChanges: each new file created (never overwriting) then written, the contract last.
  local contract_uri = vim.uri_from_bufnr(bufnr)
  local changes = migration.edit and migration.edit.documentChanges
  check(type(changes) == 'table' and #changes == 5, 'the 2.0 migration has documentChanges ' .. inspect(changes))
  for index, path in ipairs(NEW_FILES) do
    local create, write = changes[2 * index - 1], changes[2 * index]
    local uri = vim.uri_from_fname(dir .. '/' .. path)
    check(create.kind == 'create' and create.uri == uri and create.options.overwrite == false
      and create.options.ignoreIfExists == false, 'expected a CreateFile of ' .. uri .. ', got ' .. inspect(create))
    check(write.kind == nil and write.textDocument.uri == uri and #write.edits == 1, 'expected the text of '
      .. uri .. ', got ' .. inspect(write))
  end
  check(changes[5].textDocument.uri == contract_uri and changes[5].textDocument.version == vim.lsp.util.buf_versions[bufnr],
    'the last change is not the edit of the current contract: ' .. inspect(changes[5].textDocument))

  -- 3. Chosen in vim.lsp.buf.code_action()'s menu, which applies it with apply_workspace_edit.
  local offered
  local select = vim.ui.select
  vim.ui.select = function(items, _, on_choice)
    offered = items
    for _, item in ipairs(items) do
      if item[2].title == MIGRATE_2_0 then
        return on_choice(item)
      end
    end
    on_choice(nil)
  end
  local version_before = vim.lsp.util.buf_versions[bufnr]
  local ok, err = pcall(vim.lsp.buf.code_action, { only = { KIND } })
  check(ok, 'vim.lsp.buf.code_action() failed: ' .. tostring(err))
  server.wait_for('vim.lsp.buf.code_action() to offer actions', function()
    return offered ~= nil
  end)
  vim.ui.select = select
  local titles = {}
  for _, item in ipairs(offered) do
    titles[#titles + 1] = item[2].title
  end
  check(#titles == 2 and titles[1] == UPGRADE_READINESS and titles[2] == MIGRATE_2_0, 'the menu offered ' .. inspect(titles))
  server.wait_for('the migration to be applied to the buffer', function()
    return vim.lsp.util.buf_versions[bufnr] ~= version_before
  end)
  check(contains(lib.buffer_lines(bufnr), 'pactoVersion: "2.0"'), 'the buffer is not pactoVersion "2.0" after the migration')
  for _, path in ipairs(NEW_FILES) do
    local full = dir .. '/' .. path
    check(vim.fn.filereadable(full) == 1, 'the migration did not create ' .. path)
    local new_bufnr = vim.fn.bufnr(full)
    check(new_bufnr ~= -1 and vim.api.nvim_buf_is_loaded(new_bufnr), 'no loaded buffer for the new ' .. path)
    check(vim.bo[new_bufnr].modified, 'the buffer of ' .. path .. ' has not been written to yet')
  end

  -- 4. Saved like a user does (`:wall`); the server sees the 2.0 contract and offers no migration.
  vim.cmd('wall')
  check(#errors_in(server.current_diagnostics('diagnostics for the migrated contract')) == 0, 'the migrated contract has '
    .. 'errors: ' .. inspect(errors_in(server.publishes[#server.publishes].diagnostics)))
  actions = server.migrations()
  check(#actions == 0, 'after the migration the server still offers ' .. describe_actions(actions))
  server.stop()
end

lib.run(main)
