-- End-to-end test of pacto-lsp with a real Neovim LSP client (written for Neovim 0.7.2, the
-- Debian bookworm package; it uses only APIs that 0.7 has: vim.lsp.start_client,
-- vim.lsp.buf_attach_client, vim.diagnostic.get, vim.wait).
--
-- Run by tests/neovim.rs as
--   nvim --headless --clean -u NONE -i NONE -n -c "luafile tests/nvim/diagnostics.lua"
-- with the environment:
--   PACTO_LSP_BIN       the server binary
--   PACTO_TEST_DIR      a scratch copy of examples/broken-api; the script edits the buffer, saves
--                       it, and creates the missing interfaces/events.yaml in it
--   PACTO_TEST_ENCODING "utf-16" (default: what Neovim 0.7 speaks) or "utf-8" (offered through
--                       `general.positionEncodings`, with the client switched to UTF-8 offsets)
--
-- Prints exactly one line `NVIM-LSP-OK` and quits with status 0 on success; prints
-- `NVIM-LSP-FAIL: <reason>` (and details on the following lines) and quits with status 1 on any
-- failure or timeout.

local WAIT_MS = 10000

local lib = dofile(debug.getinfo(1, 'S').source:sub(2):match('(.*/)') .. 'lib.lua')
local inspect, emit, fail, check, env = lib.inspect, lib.emit, lib.fail, lib.check, lib.env
local buffer_lines, line_text, column_of, range_text = lib.buffer_lines, lib.line_text, lib.column_of, lib.range_text






-- What each finding in the copied examples/broken-api looks like: the finding's code, a Lua
-- pattern that must match exactly one line of the buffer, and the text on that line that the
-- diagnostic's range must cover exactly. Line numbers are never hard-coded: they are found in the
-- buffer as it is at each step, so an edit that moves lines moves the expectation with it.
local BROKEN_API = {
  { code = 'SCHEMA_VIOLATION', line = '^%s+onwer:', token = 'onwer' },
  { code = 'PORT_REQUIRED', line = '^%s+%- name: web$', token = 'name' },
  { code = 'PORT_IGNORED', line = '^%s+port: 9000$', token = '9000' },
  { code = 'FILE_NOT_FOUND', line = 'contract: interfaces/events%.yaml', token = 'interfaces/events.yaml' },
  { code = 'STATELESS_PERSISTENT_CONFLICT', line = 'durability: persistent', token = 'persistent' },
  { code = 'HEALTH_INTERFACE_NOT_FOUND', line = '^%s+interface: wbe$', token = 'wbe' },
  { code = 'SCALING_MIN_EXCEEDS_MAX', line = '^scaling:', token = 'scaling' },
  {
    code = 'TAG_NOT_DIGEST',
    line = 'ref: oci://ghcr%.io/acme/payments%-pacto:2%.3%.0$',
    token = 'oci://ghcr.io/acme/payments-pacto:2.3.0',
  },
  { code = 'INVALID_READINESS_EXPIRES', line = 'expires: 2026%-02%-30$', token = '2026-02-30' },
}

local function copy_spec(spec)
  local result = {}
  for _, item in ipairs(spec) do
    result[#result + 1] = vim.deepcopy(item)
  end
  return result
end

local function without(spec, code)
  local result = {}
  for _, item in ipairs(spec) do
    if item.code ~= code then
      result[#result + 1] = item
    end
  end
  return result
end


-- The 0-based number of the single line matching `pattern`.
local function find_line(lines, pattern)
  local found
  for index, text in ipairs(lines) do
    if text:find(pattern) then
      check(found == nil, ('pattern %q matches more than one line (%d and %d)'):format(pattern, found or -1, index - 1))
      found = index - 1
    end
  end
  check(found ~= nil, ('no line of the buffer matches %q (did the example contract change?)'):format(pattern))
  return found
end

local function describe(d)
  return ('%s@%d:%d-%d:%d'):format(tostring(d.code), d.lnum, d.col, d.end_lnum, d.end_col)
end

local function sorted_descriptions(list)
  local result = {}
  for _, d in ipairs(list) do
    result[#result + 1] = describe(d)
  end
  table.sort(result)
  return result
end

-- Expected diagnostics (in Neovim's terms: 0-based lines, byte columns) for `spec` on the buffer.
local function expected_from_spec(bufnr, spec)
  local lines = buffer_lines(bufnr)
  local result = {}
  for _, item in ipairs(spec) do
    local lnum = find_line(lines, item.line)
    local start = lines[lnum + 1]:find(item.token, 1, true)
    check(start ~= nil, ('%q not found on line %d'):format(item.token, lnum))
    result[#result + 1] = {
      code = item.code,
      lnum = lnum,
      col = start - 1,
      end_lnum = lnum,
      end_col = start - 1 + #item.token,
    }
  end
  return result
end

local function pacto_diagnostics(bufnr)
  local result = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.source == 'pacto' then
      result[#result + 1] = d
    end
  end
  return result
end

local function same_set(label, expected, actual)
  local want = sorted_descriptions(expected)
  local got = sorted_descriptions(actual)
  if table.concat(want, ' ') ~= table.concat(got, ' ') then
    fail(('%s: diagnostics differ\n  expected: %s\n  actual:   %s'):format(
      label,
      table.concat(want, ' '),
      table.concat(got, ' ')
    ))
  end
end

-- The byte offset in `line` of the 1-based character column `column` (clamped to the line).
local function char_column_to_byte(line, column)
  local chars = vim.str_utfindex(line)
  local index = math.max(0, math.min(column - 1, chars))
  return vim.str_byteindex(line, index)
end

-- Cross-checks the editor's diagnostics with `pacto-lsp check` run on the buffer's current text:
-- this catches any drift between the server's copy of the document (after incremental edits) and
-- the editor's, and any position conversion error on the way.
local function same_as_cli(label, bin, dir, bufnr, actual)
  local lines = buffer_lines(bufnr)
  local path = dir .. '/oracle-check.yaml'
  check(vim.fn.writefile(lines, path) == 0, 'cannot write ' .. path)
  local output = vim.fn.system({ bin, 'check', '--format', 'json', path })
  local status = vim.v.shell_error
  check(status == 0 or status == 1, ('%s: `pacto-lsp check` exited with %d: %s'):format(label, status, output))
  local ok, findings = pcall(vim.fn.json_decode, output)
  check(ok and type(findings) == 'table', label .. ': `pacto-lsp check` printed no JSON array: ' .. output)
  local severities = { error = 1, warning = 2, info = 3, information = 3, hint = 4 }
  local expected = {}
  for _, f in ipairs(findings) do
    local lnum, end_lnum = f.line - 1, f.endLine - 1
    expected[#expected + 1] = {
      code = f.code,
      lnum = lnum,
      col = char_column_to_byte(lines[lnum + 1] or '', f.column),
      end_lnum = end_lnum,
      end_col = char_column_to_byte(lines[end_lnum + 1] or '', f.endColumn),
      severity = severities[f.severity],
      message = f.message,
    }
  end
  same_set(label .. ' (compared with `pacto-lsp check`)', expected, actual)
  local by_key = {}
  for _, e in ipairs(expected) do
    by_key[describe(e)] = e
  end
  for _, d in ipairs(actual) do
    local e = by_key[describe(d)]
    check(d.severity == e.severity, ('%s: %s has severity %s, the CLI says %s'):format(
      label,
      describe(d),
      tostring(d.severity),
      tostring(e.severity)
    ))
    check(d.message == e.message, ('%s: %s message %q differs from the CLI %q'):format(
      label,
      describe(d),
      d.message,
      e.message
    ))
  end
  os.remove(path)
end

local function main()
  local bin = env('PACTO_LSP_BIN')
  local dir = env('PACTO_TEST_DIR')
  local encoding = os.getenv('PACTO_TEST_ENCODING') or 'utf-16'
  check(encoding == 'utf-16' or encoding == 'utf-8', 'PACTO_TEST_ENCODING must be utf-16 or utf-8')
  check(vim.fn.has('nvim-0.7') == 1, 'needs Neovim 0.7 or newer')

  local file = dir .. '/pacto.yaml'
  check(vim.fn.filereadable(file) == 1, file .. ' is not readable')
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  vim.bo[bufnr].filetype = 'yaml'

  -- Every publishDiagnostics for the buffer, in arrival order.
  local publishes = {}
  local default_publish = vim.lsp.handlers['textDocument/publishDiagnostics']
  local function on_publish(err, result, ctx, config)
    default_publish(err, result, ctx, config)
    if result and vim.uri_to_fname(result.uri) == vim.api.nvim_buf_get_name(bufnr) then
      publishes[#publishes + 1] = { version = result.version, count = #result.diagnostics }
    end
  end

  -- Every didChange the client sends, to prove the sync is incremental.
  local changes_sent = {}
  local init_result
  local exit_code, exit_signal

  local capabilities = vim.lsp.protocol.make_client_capabilities()
  if encoding == 'utf-8' then
    capabilities.general = { positionEncodings = { 'utf-8', 'utf-16' } }
  end

  local client_id = vim.lsp.start_client({
    name = 'pacto-lsp',
    cmd = { bin, '--stdio' },
    root_dir = dir,
    capabilities = capabilities,
    offset_encoding = encoding,
    handlers = { ['textDocument/publishDiagnostics'] = on_publish },
    on_init = function(client, result)
      init_result = result
      local notify = client.notify
      client.notify = function(method, params)
        if method == 'textDocument/didChange' then
          changes_sent[#changes_sent + 1] = params
        end
        return notify(method, params)
      end
    end,
    on_exit = function(code, signal)
      exit_code, exit_signal = code, signal
    end,
  })
  check(client_id ~= nil, 'vim.lsp.start_client failed to start ' .. bin)
  check(vim.lsp.buf_attach_client(bufnr, client_id), 'vim.lsp.buf_attach_client failed')

  local function wait_for(what, predicate)
    local ok = vim.wait(WAIT_MS, function()
      return predicate() or exit_code ~= nil
    end, 20)
    check(exit_code == nil, ('the server exited (code %s, signal %s) while waiting for %s'):format(
      tostring(exit_code),
      tostring(exit_signal),
      what
    ))
    check(ok, ('timed out after %d ms waiting for %s (publishes so far: %s)'):format(
      WAIT_MS,
      what,
      inspect(publishes)
    ))
  end

  -- Waits for the diagnostics of the buffer's current version.
  local function wait_for_current(what)
    wait_for(what, function()
      local last = publishes[#publishes]
      return last ~= nil and last.version == vim.lsp.util.buf_versions[bufnr]
    end)
  end

  wait_for('the initialize response', function()
    return init_result ~= nil
  end)
  local server_encoding = init_result.capabilities.positionEncoding
  check(server_encoding == encoding, ('the server chose position encoding %s, expected %s'):format(
    tostring(server_encoding),
    encoding
  ))
  local client = vim.lsp.get_client_by_id(client_id)
  check(
    client.resolved_capabilities.text_document_did_change == vim.lsp.protocol.TextDocumentSyncKind.Incremental,
    'the client did not pick incremental sync from the server capabilities'
  )

  -- 1. Opening the contract: every finding, on the right line and columns.
  wait_for_current('diagnostics for the opened contract (source `pacto`)')
  local spec = copy_spec(BROKEN_API)
  local initial = pacto_diagnostics(bufnr)
  check(#initial > 0, 'no diagnostics with source `pacto` arrived')
  same_set('after open', expected_from_spec(bufnr, spec), initial)
  same_as_cli('after open', bin, dir, bufnr, initial)

  -- 2. Fixing the health interface typo like a user would: an incremental change of three bytes.
  local lines = buffer_lines(bufnr)
  local row = find_line(lines, BROKEN_API[6].line)
  local col = lines[row + 1]:find('wbe', 1, true) - 1
  local sent_before = #changes_sent
  vim.api.nvim_buf_set_text(bufnr, row, col, row, col + 3, { 'web' })
  wait_for_current('diagnostics after fixing `wbe`')
  spec = without(spec, 'HEALTH_INTERFACE_NOT_FOUND')
  local fixed = pacto_diagnostics(bufnr)
  same_set('after fixing `wbe` -> `web`', expected_from_spec(bufnr, spec), fixed)
  same_as_cli('after fixing `wbe` -> `web`', bin, dir, bufnr, fixed)
  check(#changes_sent > sent_before, 'the client sent no didChange')
  for index = sent_before + 1, #changes_sent do
    for _, change in ipairs(changes_sent[index].contentChanges) do
      check(change.range ~= nil, 'the client sent a full-text didChange, expected incremental')
    end
  end

  -- 3. A non-ASCII comment line above `scaling:` moves that finding (and the ones below) one line down.
  lines = buffer_lines(bufnr)
  local scaling_before = find_line(lines, '^scaling:')
  local ref_before = find_line(lines, 'ref: oci://')
  local owner_before = find_line(lines, '^%s+onwer:')
  vim.api.nvim_buf_set_lines(bufnr, scaling_before, scaling_before, true, { '# 日本語 😀 ünïcödé comment' })
  wait_for_current('diagnostics after inserting a non-ASCII line')
  local moved = pacto_diagnostics(bufnr)
  same_set('after inserting a non-ASCII line', expected_from_spec(bufnr, spec), moved)
  same_as_cli('after inserting a non-ASCII line', bin, dir, bufnr, moved)
  local function line_of(list, code)
    for _, d in ipairs(list) do
      if d.code == code then
        return d.lnum
      end
    end
    fail(code .. ' is missing')
  end
  check(line_of(moved, 'SCALING_MIN_EXCEEDS_MAX') == scaling_before + 1, 'SCALING_MIN_EXCEEDS_MAX did not move down one line')
  check(line_of(moved, 'TAG_NOT_DIGEST') == ref_before + 1, 'TAG_NOT_DIGEST did not move down one line')
  check(line_of(moved, 'SCHEMA_VIOLATION') == owner_before, 'SCHEMA_VIOLATION (above the insert) moved')

  -- 4. Non-ASCII inside a flagged key, then an edit right after the emoji: the edit's position and
  --    the diagnostic's range both cross multi-byte (and, in UTF-16, surrogate-pair) characters.
  lines = buffer_lines(bufnr)
  row = find_line(lines, '^%s+onwer:')
  col = lines[row + 1]:find('onwer', 1, true) - 1
  vim.api.nvim_buf_set_text(bufnr, row, col, row, col + #'onwer', { 'onwér😀' })
  local after_emoji = col + #'onwér😀'
  vim.api.nvim_buf_set_text(bufnr, row, after_emoji, row, after_emoji, { 'x' })
  check(buffer_lines(bufnr)[row + 1]:find('onwér😀x:', 1, true) ~= nil, 'the buffer edit did not apply')
  wait_for_current('diagnostics after editing after an emoji')
  for _, item in ipairs(spec) do
    if item.code == 'SCHEMA_VIOLATION' then
      item.line, item.token = '^%s+onwér😀x:', 'onwér😀x'
    end
  end
  local unicode = pacto_diagnostics(bufnr)
  same_set('after editing a key with non-ASCII text', expected_from_spec(bufnr, spec), unicode)
  same_as_cli('after editing a key with non-ASCII text', bin, dir, bufnr, unicode)

  -- 5. The missing bundle file appears on disk, then the user saves: Neovim 0.7 registers no file
  --    watcher, so `didSave` is when the server must read bundle files again. The document version
  --    does not change, so this waits for one more publish of the same version.
  local events = dir .. '/interfaces/events.yaml'
  check(vim.fn.filereadable(events) == 0, events .. ' already exists')
  check(vim.fn.writefile({ 'asyncapi: 3.0.0', 'info:', '  title: events', '  version: 1.0.0' }, events) == 0,
    'cannot write ' .. events)
  local published_before = #publishes
  vim.cmd('silent write')
  wait_for('diagnostics after saving with the missing bundle file created', function()
    return #publishes > published_before
  end)
  check(publishes[#publishes].version == vim.lsp.util.buf_versions[bufnr], 'the publish after saving is for an old version')
  spec = without(spec, 'FILE_NOT_FOUND')
  local saved = pacto_diagnostics(bufnr)
  same_set('after creating the missing file and saving', expected_from_spec(bufnr, spec), saved)
  same_as_cli('after creating the missing file and saving', bin, dir, bufnr, saved)

  -- Every publish carried a version, and versions never went backwards.
  for index, publish in ipairs(publishes) do
    check(type(publish.version) == 'number', 'a publishDiagnostics carried no version: ' .. inspect(publishes))
    if index > 1 then
      check(publish.version >= publishes[index - 1].version, 'publish versions went backwards: ' .. inspect(publishes))
    end
  end

  -- 6. An orderly shutdown: `shutdown` + `exit`, and the server exits with status 0.
  client.stop()
  local exited = vim.wait(WAIT_MS, function()
    return exit_code ~= nil
  end, 20)
  check(exited, ('the server did not exit within %d ms of shutdown/exit'):format(WAIT_MS))
  check(exit_code == 0 and exit_signal == 0, ('the server exited with code %s, signal %s after shutdown/exit'):format(
    tostring(exit_code),
    tostring(exit_signal)
  ))
end


lib.run(main)
