-- :checkhealth pacto — the server binary (and its --version), the Neovim version, and whether a
-- pacto client is attached to the buffer :checkhealth was run from.
local pacto = require('pacto')

local M = {}

-- vim.health.start/ok/… (0.10+), vim.health.report_* (0.8, 0.9), health#report_* (0.7).
local function reporter(name)
  local health = vim.health or {}
  local fn = health[name] or health['report_' .. name]
  if fn then
    return fn
  end
  return function(...)
    return vim.fn['health#report_' .. name](...)
  end
end

local start = reporter('start')
local report_ok = reporter('ok')
local report_info = reporter('info')
local report_warn = reporter('warn')
local report_error = reporter('error')

local function trim(text)
  return (text:gsub('^%s+', ''):gsub('%s+$', ''))
end

local function check_binary()
  start('pacto-lsp binary')
  local cmd = pacto.cmd()
  if type(cmd) == 'function' then
    report_info('`cmd` is a function: nothing to check')
    return
  end
  local usable, why = pacto.check_cmd(cmd)
  if not usable then
    report_error(why, {
      'Install pacto-lsp (in its repository: cargo install --path .) so that it is on $PATH',
      "or give its path: require('pacto').setup({ cmd = { '/path/to/pacto-lsp' } })",
    })
    return
  end
  local path = vim.fn.exepath(cmd[1])
  local output = vim.fn.system({ cmd[1], '--version' })
  if vim.v.shell_error ~= 0 then
    report_warn(('%s was found, but `%s --version` failed (exit %d): %s'):format(path, cmd[1], vim.v.shell_error, trim(output)))
    return
  end
  report_ok(('%s: %s (cmd: %s)'):format(path, trim(output), table.concat(cmd, ' ')))
end

local function check_neovim()
  start('Neovim')
  local v = vim.version()
  local version = ('%d.%d.%d'):format(v.major, v.minor, v.patch)
  if vim.fn.has('nvim-0.7') == 0 then
    report_error(('Neovim %s is too old: the pacto plugin needs 0.7 or newer'):format(version))
    return
  end
  if pacto.native() then
    report_ok(('Neovim %s: the client is configured with vim.lsp.config/vim.lsp.enable'):format(version))
  else
    report_ok(('Neovim %s: the client is started with vim.lsp.start_client'):format(version))
  end
  if pacto.did_setup then
    local settings = pacto.config.settings
    local text = next(settings) == nil and '{}' or vim.fn.json_encode(settings)
    report_ok('require("pacto").setup() was called; settings (section `pacto`): ' .. text)
  elseif pacto.native() then
    report_info('require("pacto").setup() was not called: vim.lsp.enable("pacto") starts the client with lsp/pacto.lua')
  else
    report_warn('require("pacto").setup() was not called: no client starts on pacto.yaml', {
      "Add require('pacto').setup() to your init.lua",
    })
  end
end

-- The buffer :checkhealth was run from: health opens its own buffer before running the checks,
-- so look past it to the alternate buffer.
local function origin_buffer()
  local bufnr = vim.api.nvim_get_current_buf()
  if vim.bo[bufnr].filetype == 'checkhealth' or vim.api.nvim_buf_get_name(bufnr):match('^health://') then
    local alternate = vim.fn.bufnr('#')
    if alternate > 0 and vim.api.nvim_buf_is_valid(alternate) then
      return alternate
    end
    return nil
  end
  return bufnr
end

local function describe(client)
  local server = pacto.server_info[client.id]
  local text = ('client %d'):format(client.id)
  if server and server.name then
    text = text .. (' (%s %s)'):format(server.name, server.version or '')
  end
  local root = client.config and client.config.root_dir
  if root then
    text = text .. ', root ' .. root
  end
  return text
end

local function check_client()
  start('Language server client')
  local clients = pacto.get_clients()
  local bufnr = origin_buffer()
  local is_contract = bufnr
    and (
      vim.bo[bufnr].filetype == pacto.filetype
      or vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':t') == 'pacto.yaml'
    )
  if not is_contract then
    report_info('the current buffer is not a pacto.yaml; running pacto clients: ' .. #clients)
    for _, client in ipairs(clients) do
      report_info(describe(client))
    end
    return
  end
  local file = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':~:.')
  if vim.bo[bufnr].filetype ~= pacto.filetype then
    report_warn(('%s has filetype %q, not %q'):format(file, vim.bo[bufnr].filetype, pacto.filetype), {
      'Is filetype detection on (:filetype on) and editors/nvim on the runtimepath?',
    })
  end
  local client = pacto.get_client(bufnr)
  if client then
    report_ok(('a pacto client is attached to %s: %s'):format(file, describe(client)))
  else
    report_error(('no pacto client is attached to %s'):format(file), {
      "Call require('pacto').setup() (or vim.lsp.enable('pacto') on Neovim 0.11+)",
      'Check the binary above and the LSP log: ' .. vim.lsp.get_log_path(),
    })
  end
end

function M.check()
  check_binary()
  check_neovim()
  check_client()
end

return M
