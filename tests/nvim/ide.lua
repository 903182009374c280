-- End-to-end test of pacto-lsp's editing features with a real Neovim LSP client: completion,
-- hover, go to definition, references and rename, each driven through Neovim's own LSP functions
-- (vim.lsp.buf_request_sync, vim.lsp.util.make_position_params, vim.lsp.util.apply_text_edits,
-- vim.lsp.util.apply_workspace_edit, vim.lsp.buf.definition, vim.lsp.buf.hover). Written for
-- Neovim 0.7.2 (the Debian bookworm package) and uses only APIs that 0.7 has.
--
-- Run by tests/neovim.rs as
--   nvim --headless --clean -u NONE -i NONE -n -c "luafile tests/nvim/ide.lua"
-- with the environment:
--   PACTO_LSP_BIN       the server binary
--   PACTO_TEST_DIR      a scratch copy of examples/payments-api (a valid contract); the script
--                       edits the buffer but never saves it
--   PACTO_TEST_ENCODING "utf-16" (default: what Neovim 0.7 speaks) or "utf-8" (offered through
--                       `general.positionEncodings`, with the client switched to UTF-8 offsets)
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
  check(found ~= nil, ('no line of the buffer matches %q (did the example contract change?)'):format(pattern))
  return found
end



local function same_list(label, expected, actual)
  if table.concat(expected, ' ') ~= table.concat(actual, ' ') then
    fail(('%s\n  expected: %s\n  actual:   %s'):format(label, table.concat(expected, ' '), table.concat(actual, ' ')))
  end
end


-- The expected LSP range of `token` on line `row`; the contract is ASCII, so byte columns are
-- also UTF-8 and UTF-16 offsets.
local function token_range(bufnr, row, token)
  local col = column_of(bufnr, row, token)
  return ('%d:%d-%d:%d'):format(row, col, row, col + #token)
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
  local winid = vim.api.nvim_get_current_win()
  vim.bo[bufnr].filetype = 'yaml'
  -- Lets the cursor sit after the last character of a line, where a user typing in insert mode
  -- would be, so make_position_params can point just past `interface: `.
  vim.o.virtualedit = 'onemore'

  -- Every publishDiagnostics for the buffer, in arrival order, with the diagnostics' codes.
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
      publishes[#publishes + 1] = { version = result.version, codes = codes }
    end
  end

  -- Every didChange the client sends, to prove the edits reach the server incrementally.
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
    check(ok, ('timed out after %d ms waiting for %s (publishes so far: %s)'):format(WAIT_MS, what, inspect(publishes)))
  end

  -- Waits for the diagnostics of the buffer's current version; returns their codes.
  local function wait_for_current(what)
    wait_for(what, function()
      local last = publishes[#publishes]
      return last ~= nil and last.version == vim.lsp.util.buf_versions[bufnr]
    end)
    return publishes[#publishes].codes
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

  -- Sends `method` for the cursor position through the real client and returns the result.
  local function request_at_cursor(method, extra)
    local params = vim.lsp.util.make_position_params(winid)
    for key, value in pairs(extra or {}) do
      params[key] = value
    end
    local responses, reason = vim.lsp.buf_request_sync(bufnr, method, params, WAIT_MS)
    check(exit_code == nil, ('the server exited (code %s) during %s'):format(tostring(exit_code), method))
    check(responses ~= nil, ('%s: no response within %d ms (%s)'):format(method, WAIT_MS, tostring(reason)))
    local response = responses[client_id]
    check(response ~= nil, method .. ': no response from pacto-lsp: ' .. inspect(responses))
    check(response.err == nil, method .. ' failed: ' .. inspect(response.err) .. ' for ' .. inspect(params))
    return response.result, params
  end

  local function check_incremental(since, what)
    check(#changes_sent > since, what .. ': the client sent no didChange')
    for index = since + 1, #changes_sent do
      for _, change in ipairs(changes_sent[index].contentChanges) do
        check(change.range ~= nil, what .. ': the client sent a full-text didChange, expected incremental')
      end
    end
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
  local caps = client.resolved_capabilities
  check(caps.completion, 'the server does not advertise completion')
  check(caps.hover, 'the server does not advertise hover')
  check(caps.goto_definition, 'the server does not advertise definition')
  check(caps.find_references, 'the server does not advertise references')
  check(caps.rename, 'the server does not advertise rename')

  local codes = wait_for_current('diagnostics for the opened contract')
  same_list('examples/payments-api is valid, yet it has diagnostics', {}, codes)

  local HEALTH = '^    interface: rest%-api$'
  local DECLARATION = '^  %- name: rest%-api$'

  -- 1. Completion of `runtime.health.interface`: the user deletes the value and asks for
  --    completion after `interface: `; the server offers the http and grpc interfaces only.
  local health_row = find_line(bufnr, HEALTH)
  local value_col = column_of(bufnr, health_row, 'rest-api')
  local sent_before = #changes_sent
  vim.api.nvim_buf_set_text(bufnr, health_row, value_col, health_row, value_col + #'rest-api', { '' })
  check(line_text(bufnr, health_row) == '    interface: ', 'deleting the value left ' .. inspect(line_text(bufnr, health_row)))
  place_cursor(health_row, #'    interface: ')
  local completion, completion_params = request_at_cursor('textDocument/completion')
  check_incremental(sent_before, 'deleting the health interface')
  check(
    completion_params.position.line == health_row and completion_params.position.character == #'    interface: ',
    'make_position_params did not point past `interface: `: ' .. inspect(completion_params.position)
  )
  check(type(completion) == 'table', 'completion returned no items: ' .. inspect(completion))
  local items = completion.items or completion
  local labels = {}
  local by_label = {}
  for _, item in ipairs(items) do
    labels[#labels + 1] = item.label
    by_label[item.label] = item
  end
  table.sort(labels)
  same_list(
    'completion at `runtime.health.interface: ` must offer exactly the http/grpc interfaces',
    { 'admin', 'ledger-grpc', 'rest-api' },
    labels
  )
  local empty_at_cursor = ('%d:%d-%d:%d'):format(health_row, value_col, health_row, value_col)
  for _, item in ipairs(items) do
    check(item.textEdit ~= nil and item.textEdit.range ~= nil, item.label .. ' has no textEdit: ' .. inspect(item))
    check(range_text(item.textEdit.range) == empty_at_cursor, ('%s: textEdit range %s, expected %s'):format(
      item.label,
      range_text(item.textEdit.range),
      empty_at_cursor
    ))
    check(item.textEdit.newText == item.label, item.label .. ': textEdit inserts ' .. inspect(item.textEdit.newText))
  end
  sent_before = #changes_sent
  vim.lsp.util.apply_text_edits({ by_label['admin'].textEdit }, bufnr, client.offset_encoding)
  check(line_text(bufnr, health_row) == '    interface: admin', 'applying the `admin` completion left '
    .. inspect(line_text(bufnr, health_row)))
  codes = wait_for_current('diagnostics after completing `admin`')
  check_incremental(sent_before, 'applying the completion')
  same_list('`runtime.health.interface: admin` is valid, yet there are diagnostics', {}, codes)

  -- 1b. With a typed prefix the textEdit must replace the prefix: `le` becomes `ledger-grpc`,
  --     not `leledger-grpc`.
  local admin_col = column_of(bufnr, health_row, 'admin')
  vim.api.nvim_buf_set_text(bufnr, health_row, admin_col, health_row, admin_col + #'admin', { 'le' })
  place_cursor(health_row, #'    interface: le')
  completion = request_at_cursor('textDocument/completion')
  items = (completion or {}).items or completion or {}
  local ledger
  for _, item in ipairs(items) do
    if item.label == 'ledger-grpc' then
      ledger = item
    end
  end
  check(ledger ~= nil, 'completion after `interface: le` does not offer ledger-grpc: ' .. inspect(completion))
  vim.lsp.util.apply_text_edits({ ledger.textEdit }, bufnr, client.offset_encoding)
  check(line_text(bufnr, health_row) == '    interface: ledger-grpc', 'applying ledger-grpc after the prefix `le` left '
    .. inspect(line_text(bufnr, health_row)) .. ' (textEdit ' .. inspect(ledger.textEdit) .. ')')

  -- Back to the original contract for the next steps.
  vim.api.nvim_buf_set_text(bufnr, health_row, value_col, health_row, value_col + #'ledger-grpc', { 'rest-api' })
  check(find_line(bufnr, HEALTH) == health_row, 'restoring `interface: rest-api` failed')
  codes = wait_for_current('diagnostics after restoring `rest-api`')
  same_list('the restored contract has diagnostics', {}, codes)

  -- 2. Hover on the `workload` key: markdown with the schema's description and enum meanings.
  local workload_row = find_line(bufnr, '^  workload: service$')
  place_cursor(workload_row, column_of(bufnr, workload_row, 'workload') + 3)
  local hover = request_at_cursor('textDocument/hover')
  check(type(hover) == 'table' and type(hover.contents) == 'table', 'hover on `workload` returned ' .. inspect(hover))
  check(hover.contents.kind == 'markdown', 'hover on `workload` is not markdown: ' .. inspect(hover.contents))
  for _, expected in ipairs({
    '**workload**',
    'Kind of workload.',
    '`service`: Long-running process that serves requests',
    '`scheduled`: Runs on a recurring schedule, e.g. cron',
  }) do
    check(hover.contents.value:find(expected, 1, true) ~= nil, ('hover on `workload` lacks %q: %s'):format(
      expected,
      inspect(hover.contents.value)
    ))
  end
  check(hover.range ~= nil and range_text(hover.range) == token_range(bufnr, workload_row, 'workload'),
    ('hover range %s, expected the key %s'):format(hover.range and range_text(hover.range) or 'nil',
      token_range(bufnr, workload_row, 'workload')))

  -- 2b. Hover on the health reference describes the interface it names.
  place_cursor(health_row, value_col + 2)
  hover = request_at_cursor('textDocument/hover')
  check(type(hover) == 'table' and hover.contents and hover.contents.kind == 'markdown', 'hover on `rest-api` returned '
    .. inspect(hover))
  for _, expected in ipairs({ '**rest-api**', 'http interface', 'port 8080', 'public', 'interfaces/openapi.yaml' }) do
    check(hover.contents.value:find(expected, 1, true) ~= nil, ('hover on the health reference lacks %q: %s'):format(
      expected,
      inspect(hover.contents.value)
    ))
  end

  -- 2c. vim.lsp.buf.hover() shows that markdown in a floating window.
  place_cursor(workload_row, column_of(bufnr, workload_row, 'workload') + 3)
  vim.lsp.buf.hover()
  local float_text
  wait_for('the hover window of vim.lsp.buf.hover()', function()
    for _, win in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(win).relative ~= '' then
        float_text = table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(win), 0, -1, false), '\n')
        return true
      end
    end
    return false
  end)
  check(float_text:find('Kind of workload.', 1, true) ~= nil, 'the hover window shows ' .. inspect(float_text))
  -- Moving the cursor closes it again (CursorMoved); make sure the test window is current.
  vim.api.nvim_set_current_win(winid)

  -- 3. Go to definition from the health reference to the interface's `name:`.
  local declaration_row = find_line(bufnr, DECLARATION)
  local declaration = token_range(bufnr, declaration_row, 'rest-api')
  place_cursor(health_row, value_col + 3)
  local definition = request_at_cursor('textDocument/definition')
  check(type(definition) == 'table', 'definition returned ' .. inspect(definition))
  local location = definition.uri and definition or definition[1]
  check(location ~= nil and location.range ~= nil, 'definition returned no location: ' .. inspect(definition))
  check(location.uri == vim.uri_from_bufnr(bufnr), 'definition points to another file: ' .. inspect(location))
  check(range_text(location.range) == declaration, ('definition range %s, expected %s (`rest-api` in `  - name: rest-api`)'):format(
    range_text(location.range),
    declaration
  ))

  -- 3b. vim.lsp.buf.definition() moves the cursor there.
  place_cursor(health_row, value_col + 3)
  vim.lsp.buf.definition()
  local target = { declaration_row + 1, column_of(bufnr, declaration_row, 'rest-api') }
  wait_for('vim.lsp.buf.definition() to move the cursor', function()
    local at = vim.api.nvim_win_get_cursor(0)
    return at[1] == target[1] and at[2] == target[2]
  end)
  check(vim.api.nvim_get_current_buf() == bufnr, 'vim.lsp.buf.definition() switched buffers')

  -- 4. References from the declaration: the declaration and the health reference.
  place_cursor(declaration_row, target[2] + 1)
  local references = request_at_cursor('textDocument/references', { context = { includeDeclaration = true } })
  check(type(references) == 'table', 'references returned ' .. inspect(references))
  local found = {}
  for _, reference in ipairs(references) do
    check(reference.uri == vim.uri_from_bufnr(bufnr), 'a reference in another file: ' .. inspect(reference))
    found[#found + 1] = range_text(reference.range)
  end
  table.sort(found)
  local wanted = { declaration, token_range(bufnr, health_row, 'rest-api') }
  table.sort(wanted)
  same_list('references of `rest-api`', wanted, found)

  -- 5. Rename `rest-api` to `public-api` from the health reference, applied by Neovim.
  place_cursor(health_row, value_col + 1)
  local prepared = request_at_cursor('textDocument/prepareRename')
  check(type(prepared) == 'table' and prepared.range ~= nil, 'prepareRename returned ' .. inspect(prepared))
  check(range_text(prepared.range) == token_range(bufnr, health_row, 'rest-api'), 'prepareRename range '
    .. range_text(prepared.range))
  check(prepared.placeholder == 'rest-api', 'prepareRename placeholder ' .. inspect(prepared.placeholder))
  local workspace_edit = request_at_cursor('textDocument/rename', { newName = 'public-api' })
  check(type(workspace_edit) == 'table', 'rename returned ' .. inspect(workspace_edit))
  sent_before = #changes_sent
  vim.lsp.util.apply_workspace_edit(workspace_edit, client.offset_encoding)
  check(line_text(bufnr, declaration_row) == '  - name: public-api', 'after rename the declaration reads '
    .. inspect(line_text(bufnr, declaration_row)) .. '; edit ' .. inspect(workspace_edit))
  check(line_text(bufnr, health_row) == '    interface: public-api', 'after rename the health reference reads '
    .. inspect(line_text(bufnr, health_row)) .. '; edit ' .. inspect(workspace_edit))
  for index, text in ipairs(buffer_lines(bufnr)) do
    check(text:find('rest-api', 1, true) == nil, ('line %d still says rest-api: %q'):format(index - 1, text))
  end
  codes = wait_for_current('diagnostics after the rename')
  check_incremental(sent_before, 'the rename')
  for _, code in ipairs(codes) do
    check(code ~= 'HEALTH_INTERFACE_NOT_FOUND', 'after the rename the server reports HEALTH_INTERFACE_NOT_FOUND')
  end
  same_list('the renamed contract has diagnostics', {}, codes)

  -- 5b. The server's copy follows: definition of the new name lands on the new declaration.
  place_cursor(health_row, value_col + 1)
  definition = request_at_cursor('textDocument/definition')
  location = definition and (definition.uri and definition or definition[1])
  check(location ~= nil and range_text(location.range) == token_range(bufnr, declaration_row, 'public-api'),
    'definition of `public-api` after the rename returned ' .. inspect(definition))

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
