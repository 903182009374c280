-- The server's commands (`workspace/executeCommand`) behind :PactoValidate, :PactoPack,
-- :PactoPush, :PactoDiff and :PactoDiffClear. Each sends the current buffer's URI as the first argument and shows
-- whatever comes back: a one-line summary with vim.notify and the full result, as JSON, in a
-- scratch buffer `pacto://<command>` shown in a split; a JSON-RPC error as an ERROR notification.
local pacto = require('pacto')

local M = {}

local levels = vim.log.levels
local islist = vim.islist or vim.tbl_islist

-- Pretty JSON with sorted keys, for the result buffer (Neovim 0.7 has no pretty encoder).
local function json_lines(value, indent, out, prefix)
  out = out or {}
  indent = indent or ''
  prefix = prefix or ''
  local inner = indent .. '  '
  local function scalar(text)
    out[#out + 1] = indent .. prefix .. text
  end
  if value == nil or value == vim.NIL then
    scalar('null')
  elseif type(value) == 'boolean' then
    scalar(tostring(value))
  elseif type(value) == 'number' then
    scalar(value == math.floor(value) and math.abs(value) < 2 ^ 53 and ('%d'):format(value) or tostring(value))
  elseif type(value) == 'string' then
    scalar(vim.fn.json_encode(value))
  elseif type(value) ~= 'table' then
    scalar(vim.fn.json_encode(tostring(value)))
  elseif next(value) == nil then
    scalar(islist(value) and '[]' or '{}')
  elseif islist(value) then
    out[#out + 1] = indent .. prefix .. '['
    for index, item in ipairs(value) do
      json_lines(item, inner, out)
      if index < #value then
        out[#out] = out[#out] .. ','
      end
    end
    out[#out + 1] = indent .. ']'
  else
    local keys = vim.tbl_keys(value)
    table.sort(keys, function(a, b)
      return tostring(a) < tostring(b)
    end)
    out[#out + 1] = indent .. prefix .. '{'
    for index, key in ipairs(keys) do
      json_lines(value[key], inner, out, vim.fn.json_encode(tostring(key)) .. ': ')
      if index < #keys then
        out[#out] = out[#out] .. ','
      end
    end
    out[#out + 1] = indent .. '}'
  end
  return out
end
M.json_lines = json_lines

local function plural(count, word)
  return ('%d %s%s'):format(count, word, count == 1 and '' or 's')
end

--- A one-line summary of a command's result, and the notification level for it.
function M.summarize(command, result)
  local it = type(result) == 'table' and result or {}
  if command == 'pacto.validate' and type(it.errors) == 'number' then
    local warnings = type(it.warnings) == 'number' and it.warnings or 0
    local others = 0
    if type(it.findings) == 'table' then
      others = math.max(0, #it.findings - it.errors - warnings)
    end
    local counts = plural(it.errors, 'error') .. ', ' .. plural(warnings, 'warning')
    if others > 0 then
      counts = counts .. ', ' .. plural(others, 'hint')
    end
    if it.errors == 0 then
      return ('the contract is valid (%s)'):format(counts), levels.INFO
    end
    return ('the contract has %s'):format(counts), levels.WARN
  end
  if command == 'pacto.pack' and type(it.path) == 'string' then
    local digest = type(it.digest) == 'string' and (' (' .. it.digest .. ')') or ''
    return ('packed the bundle to %s%s'):format(it.path, digest), levels.INFO
  end
  if command == 'pacto.push' and type(it.ref) == 'string' then
    local digest = type(it.digest) == 'string' and (' (' .. it.digest .. ')') or ''
    local verb = it.pushed == false and 'already in the registry' or 'pushed'
    return ('%s: %s%s'):format(verb, it.ref, digest), levels.INFO
  end
  if command == 'pacto.diff' and type(it.classification) == 'string' then
    local changes = type(it.changes) == 'table' and (', ' .. plural(#it.changes, 'change')) or ''
    local against = type(it.baseline) == 'string' and (' (against ' .. it.baseline .. ')') or ''
    local level = it.classification == 'BREAKING' and levels.WARN or levels.INFO
    return ('diff: %s%s%s'):format(it.classification, changes, against), level
  end
  if command == 'pacto.diff.clear' then
    return 'cleared the diff baseline', levels.INFO
  end
  return command .. ' finished', levels.INFO
end

-- Scratch buffers holding the last result of each command.
local result_buffers = {}

--- Puts `result` (pretty JSON) into the scratch buffer `pacto://<command>` and shows it in a split
--- at the bottom (reusing a window that already shows a result), keeping the cursor where it was.
--- Returns the buffer number.
function M.show_result(command, result)
  local bufnr = result_buffers[command]
  if not (bufnr and vim.api.nvim_buf_is_valid(bufnr)) then
    bufnr = vim.api.nvim_create_buf(false, true)
    result_buffers[command] = bufnr
    vim.api.nvim_buf_set_name(bufnr, 'pacto://' .. command)
    vim.bo[bufnr].bufhidden = 'hide'
    vim.bo[bufnr].filetype = 'json'
  end
  local lines = json_lines(result)
  vim.bo[bufnr].modifiable = true
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, lines)
  vim.bo[bufnr].modifiable = false

  local target
  for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    local name = vim.api.nvim_buf_get_name(vim.api.nvim_win_get_buf(win))
    if name:sub(1, #'pacto://') == 'pacto://' then
      target = win
      break
    end
  end
  if target then
    vim.api.nvim_win_set_buf(target, bufnr)
  else
    local previous = vim.api.nvim_get_current_win()
    vim.cmd(('botright %dsplit'):format(math.max(3, math.min(#lines, 15))))
    vim.api.nvim_win_set_buf(0, bufnr)
    vim.api.nvim_set_current_win(previous)
  end
  return bufnr
end

local function error_message(err)
  if type(err) == 'table' then
    if type(err.message) == 'string' and err.message ~= '' then
      return err.message
    end
    return vim.inspect(err, { newline = ' ', indent = '' })
  end
  return tostring(err)
end

--- Runs `command` on the current buffer's contract with `arguments` after its URI. `on_done(err,
--- result)`, when given, runs after the result or error was shown.
function M.run(command, arguments, on_done)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = pacto.get_client(bufnr)
  if not client then
    pacto.notify(
      ('%s: no pacto-lsp client is attached to this buffer (open a pacto.yaml; see :checkhealth pacto)'):format(command),
      levels.ERROR
    )
    return false
  end
  if not client.initialized then
    pacto.notify(('%s: pacto-lsp is still starting, try again in a moment'):format(command), levels.WARN)
    return false
  end
  local params = { command = command, arguments = { vim.uri_from_bufnr(bufnr) } }
  for _, argument in ipairs(arguments or {}) do
    params.arguments[#params.arguments + 1] = argument
  end
  local ok = pacto.request(client, 'workspace/executeCommand', params, function(err, result)
    if err then
      pacto.notify(('%s failed: %s'):format(command, error_message(err)), levels.ERROR)
    else
      local summary, level = M.summarize(command, result)
      pacto.notify(summary .. ' (full result: pacto://' .. command .. ')', level)
      M.show_result(command, result)
    end
    if on_done then
      on_done(err, result)
    end
  end, bufnr)
  if not ok then
    pacto.notify(command .. ': the pacto-lsp client has stopped', levels.ERROR)
    return false
  end
  return true
end

function M.validate()
  return M.run('pacto.validate')
end

function M.pack()
  return M.run('pacto.pack')
end

--- `ref` is an `oci://registry/repository[:tag]` reference; `force` overwrites an existing tag.
function M.push(ref, force)
  local arguments = { ref }
  if force then
    arguments[2] = { force = true }
  end
  return M.run('pacto.push', arguments)
end

--- `old` is the path of an older pacto.yaml, its bundle folder or a packed .tar.gz;
--- an existing local path is made absolute, since the server may run in another directory.
function M.diff(old)
  if not old:match('^%a[%w+.-]*://') then
    local path = vim.fn.expand(old)
    if path ~= '' and vim.fn.filereadable(path) + vim.fn.isdirectory(path) > 0 then
      old = vim.fn.fnamemodify(path, ':p')
      if #old > 1 then
        old = old:gsub('/$', '')
      end
    end
  end
  return M.run('pacto.diff', { old })
end

function M.diff_clear()
  return M.run('pacto.diff.clear')
end

return M
