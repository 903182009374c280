-- Helpers shared by the headless Neovim scenarios (diagnostics.lua, ide.lua, code_action.lua).
-- Loaded with dofile() from the directory of the calling script; Neovim 0.7 APIs only.

local M = {}

-- `vim.inspect` on one line, for failure reasons.
function M.inspect(value)
  return vim.inspect(value, { newline = ' ', indent = '' })
end

function M.emit(text)
  io.stdout:write(text, '\n')
  io.stdout:flush()
end

-- A failure with a message meant for the reader (no Lua traceback).
function M.fail(reason)
  error({ pacto_fail = reason }, 0)
end

function M.check(condition, reason)
  if not condition then
    M.fail(reason)
  end
end

function M.env(name)
  local value = os.getenv(name)
  M.check(value ~= nil and value ~= '', 'environment variable ' .. name .. ' is not set')
  return value
end

function M.buffer_lines(bufnr)
  return vim.api.nvim_buf_get_lines(bufnr, 0, -1, true)
end

function M.line_text(bufnr, row)
  return vim.api.nvim_buf_get_lines(bufnr, row, row + 1, true)[1]
end

-- The 0-based byte column of `token` on line `row` (the first occurrence).
function M.column_of(bufnr, row, token)
  local start = M.line_text(bufnr, row):find(token, 1, true)
  M.check(start ~= nil, ('%q not found on line %d: %q'):format(token, row, M.line_text(bufnr, row)))
  return start - 1
end

-- An LSP range written out, for comparisons and messages.
function M.range_text(range)
  return ('%d:%d-%d:%d'):format(range.start.line, range.start.character, range['end'].line, range['end'].character)
end

function M.run(main)
  local ok, err = xpcall(main, function(e)
    if type(e) == 'table' and e.pacto_fail then
      return e.pacto_fail
    end
    return debug.traceback(tostring(e), 2)
  end)
  if ok then
    M.emit('NVIM-LSP-OK')
    vim.cmd('qa!')
  else
    M.emit('NVIM-LSP-FAIL: ' .. tostring(err))
    vim.cmd('cquit')
  end
end

return M
