-- End-to-end test of pacto-lsp's code actions and code lens with a real Neovim LSP client,
-- driven through Neovim's own LSP functions (vim.lsp.util.make_range_params,
-- vim.lsp.diagnostic.get_line_diagnostics, vim.lsp.buf_request_sync,
-- vim.lsp.util.apply_workspace_edit, vim.lsp.buf.code_action, vim.lsp.codelens.refresh).
-- Written for Neovim 0.7.2 (the Debian bookworm package) and uses only APIs that 0.7 has.
--
-- Run by tests/neovim.rs as
--   nvim --headless --clean -u NONE -i NONE -n -c "luafile tests/nvim/code_action.lua"
-- with the environment:
--   PACTO_LSP_BIN       the server binary
--   PACTO_TEST_DIR      a scratch copy of tests/nvim/ready-svc: a `pactoVersion: "1.0"` contract
--                       with a readiness section (which needs 1.1), non-ASCII text, and a check
--                       written as a flow mapping so that its `expires` value sits after non-ASCII
--                       characters on its line; the script edits the buffer but never saves it
--   PACTO_TEST_ENCODING "utf-16" (default: what Neovim 0.7 speaks) or "utf-8" (offered through
--                       `general.positionEncodings`, with the client switched to UTF-8 offsets)
--   PACTO_TODAY         the date the server judges readiness against (tests/neovim.rs pins it)
--
-- Prints exactly one line `NVIM-LSP-OK` and quits with status 0 on success; prints
-- `NVIM-LSP-FAIL: <reason>` and quits with status 1 on any failure or timeout.

local WAIT_MS = 10000

local lib = dofile(debug.getinfo(1, 'S').source:sub(2):match('(.*/)') .. 'lib.lua')
local inspect, emit, fail, check, env = lib.inspect, lib.emit, lib.fail, lib.check, lib.env
local buffer_lines, line_text, column_of, range_text = lib.buffer_lines, lib.line_text, lib.column_of, lib.range_text







-- The 0-based number of the single line matching `pattern`.
local function find_line(bufnr, pattern)
  local found
  for index, text in ipairs(buffer_lines(bufnr)) do
    if text:find(pattern) then
      check(found == nil, ('pattern %q matches more than one line (%d and %d)'):format(pattern, found or -1, index - 1))
      found = index - 1
    end
  end
  check(found ~= nil, ('no line of the buffer matches %q (did the fixture change?)'):format(pattern))
  return found
end




-- The LSP character offset of byte column `byte` on `text`, in `encoding`.
local function lsp_character(text, byte, encoding)
  if encoding == 'utf-8' then
    return byte
  end
  local _, utf16 = vim.str_utfindex(text, byte)
  return utf16
end

-- The expected LSP range (in `encoding`) of `token` on line `row`, found by searching the buffer.
local function token_range(bufnr, row, token, encoding)
  local text = line_text(bufnr, row)
  local col = column_of(bufnr, row, token)
  return ('%d:%d-%d:%d'):format(
    row,
    lsp_character(text, col, encoding),
    row,
    lsp_character(text, col + #token, encoding)
  )
end

-- `date` (YYYY-MM-DD) plus `days`, computed by the C library (noon avoids DST edges).
local function add_days(date, days)
  local year, month, day = date:match('^(%d%d%d%d)%-(%d%d)%-(%d%d)$')
  check(year ~= nil, 'not a date: ' .. tostring(date))
  local time = os.time({ year = tonumber(year), month = tonumber(month), day = tonumber(day) + days, hour = 12 })
  return os.date('%Y-%m-%d', time)
end

local function starts_with(text, prefix)
  return text:sub(1, #prefix) == prefix
end

local function main()
  local bin = env('PACTO_LSP_BIN')
  local dir = env('PACTO_TEST_DIR')
  local today = env('PACTO_TODAY')
  local encoding = os.getenv('PACTO_TEST_ENCODING') or 'utf-16'
  check(encoding == 'utf-16' or encoding == 'utf-8', 'PACTO_TEST_ENCODING must be utf-16 or utf-8')
  check(vim.fn.has('nvim-0.7') == 1, 'needs Neovim 0.7 or newer')

  local file = dir .. '/pacto.yaml'
  check(vim.fn.filereadable(file) == 1, file .. ' is not readable')
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  local winid = vim.api.nvim_get_current_win()
  vim.bo[bufnr].filetype = 'yaml'
  local original = buffer_lines(bufnr)

  -- Every publishDiagnostics for the buffer, in arrival order, as the server sent them.
  local publishes = {}
  local default_publish = vim.lsp.handlers['textDocument/publishDiagnostics']
  local function on_publish(err, result, ctx, config)
    default_publish(err, result, ctx, config)
    if result and vim.uri_to_fname(result.uri) == vim.api.nvim_buf_get_name(bufnr) then
      local codes = {}
      for _, d in ipairs(result.diagnostics) do
        codes[#codes + 1] = tostring(d.code)
      end
      table.sort(codes)
      publishes[#publishes + 1] = { version = result.version, codes = codes, diagnostics = result.diagnostics }
    end
  end

  -- Every didChange and codeAction request the client sends.
  local changes_sent = {}
  local code_action_requests = {}
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
      local request = client.request
      client.request = function(method, params, ...)
        if method == 'textDocument/codeAction' then
          code_action_requests[#code_action_requests + 1] = vim.deepcopy(params)
        end
        return request(method, params, ...)
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
    check(ok, ('timed out after %d ms waiting for %s (publishes so far: %s)'):format(WAIT_MS, what, inspect(publishes)))
  end

  -- Waits for the diagnostics of the buffer's current version; returns that publish.
  local function wait_for_current(what)
    wait_for(what, function()
      local last = publishes[#publishes]
      return last ~= nil and last.version == vim.lsp.util.buf_versions[bufnr]
    end)
    return publishes[#publishes]
  end

  -- The published diagnostics with `code`.
  local function with_code(publish, code)
    local result = {}
    for _, d in ipairs(publish.diagnostics) do
      if d.code == code then
        result[#result + 1] = d
      end
    end
    return result
  end

  -- Puts the cursor on line `row` (0-based) at byte column `col`.
  local function place_cursor(row, col)
    vim.api.nvim_win_set_cursor(winid, { row + 1, col })
    local at = vim.api.nvim_win_get_cursor(winid)
    check(at[1] == row + 1 and at[2] == col, ('cannot place the cursor at %d:%d (it is at %d:%d)'):format(
      row,
      col,
      at[1] - 1,
      at[2]
    ))
  end

  -- Sends `method` with `params` through the real client and returns the result.
  local function request(method, params)
    local responses, reason = vim.lsp.buf_request_sync(bufnr, method, params, WAIT_MS)
    check(exit_code == nil, ('the server exited (code %s) during %s'):format(tostring(exit_code), method))
    check(responses ~= nil, ('%s: no response within %d ms (%s)'):format(method, WAIT_MS, tostring(reason)))
    local response = responses[client_id]
    check(response ~= nil, method .. ': no response from pacto-lsp: ' .. inspect(responses))
    check(response.err == nil, method .. ' failed: ' .. inspect(response.err) .. ' for ' .. inspect(params))
    return response.result
  end

  -- Code action params for the cursor, built as Neovim 0.7's vim.lsp.buf.code_action() builds
  -- them: a zero-width range at the cursor, and the cursor line's diagnostics as LSP diagnostics.
  local function code_action_params(only)
    local params = vim.lsp.util.make_range_params(winid)
    params.context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(bufnr), only = only }
    return params
  end

  local function describe_actions(actions)
    local result = {}
    for _, action in ipairs(actions or {}) do
      result[#result + 1] = ('%s [%s%s]'):format(
        tostring(action.title),
        tostring(action.kind),
        action.isPreferred and ', preferred' or ''
      )
    end
    return table.concat(result, '; ')
  end

  -- The single action titled `title` of kind `kind`.
  local function find_action(actions, title, kind)
    local found
    for _, action in ipairs(actions) do
      if action.title == title and action.kind == kind then
        check(found == nil, ('two %s actions titled %q: %s'):format(kind, title, describe_actions(actions)))
        found = action
      end
    end
    check(found ~= nil, ('no %s action titled %q among: %s'):format(kind, title, describe_actions(actions)))
    return found
  end

  -- The edits of a WorkspaceEdit for this buffer (checks it touches no other document).
  local function edits_for_buffer(edit, what)
    check(type(edit) == 'table' and type(edit.changes) == 'table', what .. ': no `changes` in the edit: ' .. inspect(edit))
    local uri = vim.uri_from_bufnr(bufnr)
    for key in pairs(edit.changes) do
      check(key == uri, ('%s: the edit touches another document %s (the buffer is %s)'):format(what, key, uri))
    end
    local edits = edit.changes[uri]
    check(type(edits) == 'table' and #edits > 0, what .. ': no edits for the buffer: ' .. inspect(edit))
    return edits
  end

  local function check_incremental(since, what)
    check(#changes_sent > since, what .. ': the client sent no didChange')
    for index = since + 1, #changes_sent do
      for _, change in ipairs(changes_sent[index].contentChanges) do
        check(change.range ~= nil, what .. ': the client sent a full-text didChange, expected incremental')
      end
    end
  end

  -- Every line of the buffer equals `expected`, except those in `changed` (row -> new text).
  local function lines_are(what, expected, changed)
    local actual = buffer_lines(bufnr)
    check(#actual == #expected, ('%s: the buffer has %d lines, expected %d: %s'):format(
      what,
      #actual,
      #expected,
      inspect(actual)
    ))
    for index, text in ipairs(expected) do
      local want = changed[index - 1] or text
      check(actual[index] == want, ('%s: line %d is %q, expected %q'):format(what, index - 1, actual[index], want))
    end
  end

  -- The code lenses, requested directly; and Neovim's display of them after vim.lsp.codelens.refresh().
  local function check_lens(what, row, expected_prefix, expected_suffix)
    local lenses = request('textDocument/codeLens', { textDocument = vim.lsp.util.make_text_document_params(bufnr) })
    check(type(lenses) == 'table' and #lenses == 1, what .. ': expected one code lens, got ' .. inspect(lenses))
    local lens = lenses[1]
    check(range_text(lens.range) == token_range(bufnr, row, 'readiness', encoding), ('%s: lens range %s, expected the `readiness` key %s'):format(
      what,
      range_text(lens.range),
      token_range(bufnr, row, 'readiness', encoding)
    ))
    local title = lens.command and lens.command.title or ''
    check(
      starts_with(title, expected_prefix) and title:sub(-#expected_suffix) == expected_suffix,
      ('%s: lens title %q, expected %q … %q'):format(what, title, expected_prefix, expected_suffix)
    )

    -- What the user sees: Neovim's virtual text on the `readiness` line.
    local ns = vim.lsp.codelens.__namespaces[client_id]
    vim.api.nvim_buf_clear_namespace(bufnr, ns, 0, -1)
    vim.lsp.codelens.refresh()
    local shown
    wait_for(what .. ': the lens displayed by vim.lsp.codelens.refresh()', function()
      shown = {}
      for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(bufnr, ns, 0, -1, { details = true })) do
        local chunks = {}
        for _, chunk in ipairs(mark[4].virt_text or {}) do
          chunks[#chunks + 1] = chunk[1]
        end
        shown[#shown + 1] = { row = mark[2], text = table.concat(chunks) }
      end
      return #shown > 0
    end)
    check(#shown == 1 and shown[1].row == row and shown[1].text == title, ('%s: Neovim shows the lens as %s, expected %q on line %d'):format(
      what,
      inspect(shown),
      title,
      row
    ))
  end

  wait_for('the initialize response', function()
    return init_result ~= nil
  end)
  check(init_result.capabilities.positionEncoding == encoding, ('the server chose position encoding %s, expected %s'):format(
    tostring(init_result.capabilities.positionEncoding),
    encoding
  ))
  local client = vim.lsp.get_client_by_id(client_id)
  check(client.offset_encoding == encoding, 'the client uses offset encoding ' .. tostring(client.offset_encoding))
  check(client.resolved_capabilities.code_action, 'the server does not advertise code actions')
  check(client.resolved_capabilities.code_lens, 'the server does not advertise code lenses')

  -- 1. The 1.0 contract: one SCHEMA_VIOLATION on the `readiness` key, which needs 1.1. The
  --    readiness checks themselves are not judged in the 1.0 format (no READINESS_CHECK_EXPIRED).
  check(original[1] == 'pactoVersion: "1.0"', 'the fixture does not start with pactoVersion "1.0": ' .. inspect(original[1]))
  local readiness_row = find_line(bufnr, '^readiness:$')
  local review_row = find_line(bufnr, 'id: review,')
  check(line_text(bufnr, review_row):find('[\128-\255].*expires: "2026%-01%-01"') ~= nil,
    'the fixture lost its non-ASCII text before `expires` on the review line: ' .. inspect(line_text(bufnr, review_row)))
  local publish = wait_for_current('diagnostics for the opened 1.0 contract')
  check(table.concat(publish.codes, ' ') == 'SCHEMA_VIOLATION', 'the 1.0 contract has diagnostics ' .. inspect(publish.codes)
    .. ', expected just SCHEMA_VIOLATION')
  local violation = with_code(publish, 'SCHEMA_VIOLATION')[1]
  local readiness_key = token_range(bufnr, readiness_row, 'readiness', encoding)
  check(range_text(violation.range) == readiness_key, ('SCHEMA_VIOLATION at %s, expected the `readiness` key %s'):format(
    range_text(violation.range),
    readiness_key
  ))
  check(violation.message:find('needs `pactoVersion: "1.1"`', 1, true) ~= nil, 'the SCHEMA_VIOLATION message does not '
    .. 'say readiness needs pactoVersion "1.1": ' .. inspect(violation.message))

  -- 2. Code actions on the `readiness` line, asked for like vim.lsp.buf.code_action() does.
  place_cursor(readiness_row, 0)
  local params = code_action_params()
  local context_codes = {}
  for _, d in ipairs(params.context.diagnostics) do
    context_codes[#context_codes + 1] = tostring(d.code)
  end
  check(table.concat(context_codes, ' ') == 'SCHEMA_VIOLATION', 'get_line_diagnostics on the readiness line gave '
    .. inspect(params.context.diagnostics))
  local actions = request('textDocument/codeAction', params)
  check(type(actions) == 'table' and #actions > 0, 'no code actions on the readiness line: ' .. inspect(actions))
  local bump = find_action(actions, 'Bump pactoVersion to 1.1', 'quickfix')
  check(bump.isPreferred == true, 'the version bump quick fix is not preferred: ' .. inspect(bump))
  check(bump.command == nil, 'the version bump quick fix also carries a command: ' .. inspect(bump))
  local fixed = {}
  for _, d in ipairs(bump.diagnostics or {}) do
    if d.code == 'SCHEMA_VIOLATION' and range_text(d.range) == range_text(violation.range) and d.message == violation.message then
      fixed[#fixed + 1] = d
    end
  end
  check(#fixed == 1 and #bump.diagnostics == 1, ('the quick fix should be attached to the published SCHEMA_VIOLATION %s, '
    .. 'it has diagnostics %s'):format(inspect(violation), inspect(bump.diagnostics)))
  -- The same bump is also a source action, but not listed twice in one menu next to its quick fix.
  check(#actions == 1, 'unexpected code actions on the readiness line: ' .. describe_actions(actions))
  -- `only` filters by kind.
  local only_quickfix = request('textDocument/codeAction', code_action_params({ 'quickfix' }))
  check(type(only_quickfix) == 'table' and #only_quickfix == 1 and only_quickfix[1].kind == 'quickfix',
    'with only = quickfix the server returned ' .. describe_actions(only_quickfix))
  local only_source = request('textDocument/codeAction', code_action_params({ 'source' }))
  check(type(only_source) == 'table' and #only_source == 1 and only_source[1].kind == 'source'
    and only_source[1].title == 'Bump pactoVersion to 1.1' and only_source[1].diagnostics == nil
    and not only_source[1].isPreferred,
    'with only = source the server returned ' .. describe_actions(only_source))

  -- The edit replaces just `1.0` inside the quotes.
  local bump_edits = edits_for_buffer(bump.edit, 'the version bump')
  check(#bump_edits == 1, 'the version bump has several edits: ' .. inspect(bump_edits))
  check(range_text(bump_edits[1].range) == token_range(bufnr, 0, '1.0', encoding) and bump_edits[1].newText == '1.1',
    'the version bump edit is ' .. inspect(bump_edits[1]))

  -- 3. Applied the way Neovim applies a chosen code action.
  local sent_before = #changes_sent
  vim.lsp.util.apply_workspace_edit(bump.edit, client.offset_encoding)
  lines_are('after the version bump', original, { [0] = 'pactoVersion: "1.1"' })
  publish = wait_for_current('diagnostics after the version bump')
  check_incremental(sent_before, 'the version bump')
  check(#with_code(publish, 'SCHEMA_VIOLATION') == 0, 'after the bump the server still reports SCHEMA_VIOLATION: '
    .. inspect(publish.diagnostics))
  check(table.concat(publish.codes, ' ') == 'READINESS_CHECK_EXPIRED', 'after the bump the diagnostics are '
    .. inspect(publish.codes) .. ', expected just READINESS_CHECK_EXPIRED for `review`')
  local expired = with_code(publish, 'READINESS_CHECK_EXPIRED')[1]
  check(expired.message:find('`review`', 1, true) ~= nil and expired.message:find('2026-01-01', 1, true) ~= nil,
    'READINESS_CHECK_EXPIRED is not about `review` expiring on 2026-01-01: ' .. inspect(expired.message))
  -- Its range is the quoted date, after non-ASCII text on the line: the encodings differ here.
  local quoted_date = token_range(bufnr, review_row, '"2026-01-01"', encoding)
  check(range_text(expired.range) == quoted_date, ('READINESS_CHECK_EXPIRED at %s, expected %s (the quoted date)'):format(
    range_text(expired.range),
    quoted_date
  ))
  local shown = vim.diagnostic.get(bufnr, { lnum = review_row })
  local date_col = column_of(bufnr, review_row, '"2026-01-01"')
  check(#shown == 1 and shown[1].col == date_col and shown[1].end_col == date_col + #'"2026-01-01"', ('Neovim places '
    .. 'READINESS_CHECK_EXPIRED at %s, expected bytes %d-%d of line %d'):format(
    inspect(shown),
    date_col,
    date_col + #'"2026-01-01"',
    review_row
  ))

  -- 4. The readiness lens: dashboard's 60 counts, review's 40 has expired; the gate is 80.
  check_lens('the lens after the bump', readiness_row, 'Readiness 60/100 · gate 80 · 1 expired', ' · failing')

  -- 5. vim.lsp.buf.code_action() on the expired date, choosing `Extend to …` in vim.ui.select.
  local renewed = add_days(today, 90)
  local extend_title = ('Extend to %s (90 days from today)'):format(renewed)
  -- Everything expected is computed before: Neovim applies the chosen action as soon as it arrives.
  local inner_date = token_range(bufnr, review_row, '2026-01-01', encoding)
  local renewed_line = line_text(bufnr, review_row):gsub('"2026%-01%-01"', '"' .. renewed .. '"', 1)
  local cursor_char = lsp_character(line_text(bufnr, review_row), date_col + 3, encoding)
  place_cursor(review_row, date_col + 3)
  local offered
  local select = vim.ui.select
  vim.ui.select = function(items, _, on_choice)
    offered = items
    for _, item in ipairs(items) do
      local action = item[2]
      if action.title == extend_title and action.kind == 'quickfix' then
        return on_choice(item)
      end
    end
    on_choice(nil)
  end
  local requests_before = #code_action_requests
  local bumped = buffer_lines(bufnr)
  sent_before = #changes_sent
  local ok, err = pcall(vim.lsp.buf.code_action)
  check(ok, 'vim.lsp.buf.code_action() failed: ' .. tostring(err))
  wait_for('vim.lsp.buf.code_action() to offer actions', function()
    return offered ~= nil
  end)
  vim.ui.select = select
  local offered_actions = {}
  for _, item in ipairs(offered) do
    check(item[1] == client_id, 'an action from another client: ' .. inspect(item))
    offered_actions[#offered_actions + 1] = item[2]
  end
  local extend = find_action(offered_actions, extend_title, 'quickfix')
  check(extend.isPreferred == true, 'the extend quick fix is not preferred: ' .. inspect(extend))
  check(#offered_actions == 1, 'unexpected code actions on the expired date: ' .. describe_actions(offered_actions))
  check(#extend.diagnostics == 1 and extend.diagnostics[1].code == 'READINESS_CHECK_EXPIRED'
    and range_text(extend.diagnostics[1].range) == quoted_date, 'the extend quick fix is attached to '
    .. inspect(extend.diagnostics))
  local extend_edits = edits_for_buffer(extend.edit, 'the extension')
  check(#extend_edits == 1 and range_text(extend_edits[1].range) == inner_date
    and extend_edits[1].newText == renewed, 'the extension edit is ' .. inspect(extend_edits))
  -- What vim.lsp.buf.code_action() sent: the cursor position and the line's diagnostic.
  check(#code_action_requests == requests_before + 1, 'vim.lsp.buf.code_action() sent '
    .. (#code_action_requests - requests_before) .. ' requests')
  local sent = code_action_requests[#code_action_requests]
  check(range_text(sent.range) == ('%d:%d-%d:%d'):format(review_row, cursor_char, review_row, cursor_char),
    'vim.lsp.buf.code_action() asked for ' .. inspect(sent.range))
  check(#sent.context.diagnostics == 1 and sent.context.diagnostics[1].code == 'READINESS_CHECK_EXPIRED',
    'vim.lsp.buf.code_action() sent the diagnostics ' .. inspect(sent.context.diagnostics))

  wait_for('the extension to be applied to the buffer', function()
    return line_text(bufnr, review_row) ~= bumped[review_row + 1]
  end)
  lines_are('after the extension', bumped, { [review_row] = renewed_line })
  publish = wait_for_current('diagnostics after the extension')
  check_incremental(sent_before, 'the extension')
  check(#publish.diagnostics == 0, 'after the extension there are diagnostics: ' .. inspect(publish.diagnostics))
  check_lens('the lens after the extension', readiness_row, 'Readiness 100/100 · gate 80', ' · passing')

  -- An orderly shutdown: `shutdown` + `exit`, and the server exits with status 0.
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
