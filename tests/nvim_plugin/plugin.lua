-- End-to-end test of the Neovim plugin in editors/nvim: Neovim loads it from the runtimepath like a
-- user's plugin manager would, and everything below goes through the plugin (its setup(), its
-- ftdetect, its user commands and its health check), never through a hand-made client. Written
-- for Neovim 0.7.2 (the Debian bookworm package); the plugin's 0.11+ path is not exercised here.
--
-- Run by tests/nvim_plugin.rs as
--   nvim --headless --clean -i NONE -n --cmd "<add editors/nvim to 'runtimepath'>" \
--     -c "luafile tests/nvim_plugin/plugin.lua"
-- with the environment:
--   PACTO_LSP_BIN   the server binary
--   PACTO_TEST_DIR  a scratch copy of examples/broken-api; its parent folder is scratch space too
--   PACTO_TODAY     2026-01-15 (readiness findings depend on the date)
--
-- Prints `NVIM-PLUGIN-OK` and quits with status 0 on success; prints `NVIM-PLUGIN-FAIL: <reason>`
-- and quits with `:cquit` (status 1) on any failure or timeout.

local WAIT_MS = 10000

local function inspect(value)
  return vim.inspect(value, { newline = ' ', indent = '' })
end

local function emit(text)
  io.stdout:write(text, '\n')
  io.stdout:flush()
end

-- A failure with a message meant for the reader (no Lua traceback).
local function fail(reason)
  error({ pacto_fail = reason }, 0)
end

local function check(condition, reason)
  if not condition then
    fail(reason)
  end
end

local function env(name)
  local value = os.getenv(name)
  check(value ~= nil and value ~= '', 'environment variable ' .. name .. ' is not set')
  return value
end

local function wait_for(what, predicate)
  local ok = vim.wait(WAIT_MS, predicate, 20)
  check(ok, ('timed out after %d ms waiting for %s'):format(WAIT_MS, what))
end

-- Every vim.notify call, in order: { message, level }.
local notifications = {}
vim.notify = function(message, level)
  notifications[#notifications + 1] = { message = tostring(message), level = level or vim.log.levels.INFO }
end

-- The notifications from `since + 1` on whose message contains `text` (plain).
local function notified(since, text, level)
  local found = {}
  for index = since + 1, #notifications do
    local n = notifications[index]
    if n.message:find(text, 1, true) and (level == nil or n.level == level) then
      found[#found + 1] = n
    end
  end
  return found
end

-- What Neovim's default handler answers to the server's workspace/configuration requests.
local configuration_answers = {}
local default_configuration = vim.lsp.handlers['workspace/configuration']
vim.lsp.handlers['workspace/configuration'] = function(err, result, ctx, config)
  local answer = default_configuration(err, result, ctx, config)
  configuration_answers[#configuration_answers + 1] = { items = result and result.items, answer = answer }
  return answer
end

local function pacto_clients(bufnr)
  local list = {}
  local source = bufnr and vim.lsp.buf_get_clients(bufnr) or vim.lsp.get_active_clients()
  for _, client in pairs(source) do
    if client.name == 'pacto' then
      list[#list + 1] = client
    end
  end
  return list
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

-- The 0-based number of the single line of the buffer matching `pattern`.
local function find_line(bufnr, pattern)
  local found
  for index, text in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, true)) do
    if text:find(pattern) then
      check(found == nil, ('pattern %q matches more than one line'):format(pattern))
      found = index - 1
    end
  end
  check(found ~= nil, ('no line of the buffer matches %q (did examples/broken-api change?)'):format(pattern))
  return found
end

-- Asserts a diagnostic `code` starting on the line matching `pattern`, at the column of `token`.
local function expect_diagnostic(bufnr, list, code, pattern, token)
  local lnum = find_line(bufnr, pattern)
  local line = vim.api.nvim_buf_get_lines(bufnr, lnum, lnum + 1, true)[1]
  local col = line:find(token, 1, true)
  check(col ~= nil, ('%q is not on line %d'):format(token, lnum))
  for _, d in ipairs(list) do
    if d.code == code then
      check(d.lnum == lnum and d.col == col - 1, ('%s is at %d:%d, expected %d:%d (%q)'):format(
        code,
        d.lnum,
        d.col,
        lnum,
        col - 1,
        line
      ))
      return d
    end
  end
  local codes = {}
  for _, d in ipairs(list) do
    codes[#codes + 1] = ('%s@%d'):format(tostring(d.code), d.lnum)
  end
  fail(('no %s diagnostic; got %s'):format(code, table.concat(codes, ' ')))
end

-- Records the workspace/executeCommand requests the plugin sends through `client` and what comes
-- back: { params, err, result, done }.
local function record_commands(client)
  local requests = {}
  local original = client.request
  local function wrap(method, params, handler)
    if method ~= 'workspace/executeCommand' then
      return handler
    end
    local entry = { params = vim.deepcopy(params) }
    requests[#requests + 1] = entry
    return function(err, result, ctx, config)
      entry.err, entry.result = err, result
      local value = handler(err, result, ctx, config)
      entry.done = true
      return value
    end
  end
  if vim.fn.has('nvim-0.11') == 1 then
    client.request = function(self, method, params, handler, bufnr)
      return original(self, method, params, wrap(method, params, handler), bufnr)
    end
  else
    client.request = function(method, params, handler, bufnr)
      return original(method, params, wrap(method, params, handler), bufnr)
    end
  end
  return requests
end

-- Runs an Ex command that must not raise (a Lua error in the plugin would).
local function run(command)
  local ok, err = pcall(vim.cmd, command)
  check(ok, (':%s raised an error: %s'):format(command, tostring(err)))
end

-- Runs a :Pacto* command and waits until the plugin has handled the server's answer.
local function run_server_command(requests, command, expected_method)
  local before = #requests
  local notified_before = #notifications
  run(command)
  check(#requests == before + 1, (':%s sent %d executeCommand requests'):format(command, #requests - before))
  local entry = requests[#requests]
  check(entry.params.command == expected_method, (':%s sent command %q, expected %q'):format(
    command,
    tostring(entry.params.command),
    expected_method
  ))
  wait_for('the answer to ' .. expected_method, function()
    return entry.done
  end)
  return entry, notified_before
end

-- The plugin shows what the server sent: the error's message, or a summary of the result.
local function expect_shown(entry, since, result_text)
  local command = entry.params.command
  if entry.err then
    local message = entry.err.message
    check(type(message) == 'string' and message ~= '', command .. ': the server error has no message: ' .. inspect(entry.err))
    local shown = notified(since, 'pacto: ' .. command .. ' failed: ' .. message, vim.log.levels.ERROR)
    check(#shown == 1, ('%s: the server answered the error %q, but the plugin did not show it as an ERROR; notifications: %s'):format(
      command,
      message,
      inspect(notifications)
    ))
    return 'error: ' .. message
  end
  local text = result_text(entry.result)
  local shown = notified(since, 'pacto: ' .. text)
  check(#shown == 1, ('%s: expected a notification %q; notifications: %s'):format(command, text, inspect(notifications)))
  return 'result: ' .. text
end

local function health_lines()
  run('checkhealth pacto')
  local bufnr = vim.api.nvim_get_current_buf()
  check(vim.bo[bufnr].filetype == 'checkhealth', ':checkhealth did not open its buffer')
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, true)
  run('tabclose')
  return lines, table.concat(lines, '\n')
end

local function has_line(lines, ...)
  local needles = { ... }
  for _, line in ipairs(lines) do
    local all = true
    for _, needle in ipairs(needles) do
      if not line:find(needle, 1, true) then
        all = false
        break
      end
    end
    if all then
      return true
    end
  end
  return false
end

local function main()
  check(vim.fn.has('nvim-0.7') == 1, 'needs Neovim 0.7 or newer')
  local bin = env('PACTO_LSP_BIN')
  local dir = env('PACTO_TEST_DIR')
  local root = vim.fn.fnamemodify(dir, ':h')
  local file = dir .. '/pacto.yaml'

  -- The plugin was loaded from the runtimepath: plugin/pacto.lua defined the commands.
  check(vim.g.loaded_pacto == 1, 'plugin/pacto.lua was not sourced (is editors/nvim on the runtimepath?)')
  for _, name in ipairs({ 'PactoValidate', 'PactoPack', 'PactoPush', 'PactoDiff', 'PactoDiffClear' }) do
    check(vim.fn.exists(':' .. name) == 2, ':' .. name .. ' is not defined')
  end

  require('pacto').setup({ cmd = { bin, '--stdio' }, settings = { readiness = { warnDays = 30 } } })

  -- 1. ftdetect: pacto.yaml is `yaml.pacto`, and YAML syntax still applies.
  run('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  check(vim.bo[bufnr].filetype == 'yaml.pacto', 'filetype is ' .. vim.bo[bufnr].filetype .. ', expected yaml.pacto')
  if vim.g.syntax_on then
    check(vim.b.current_syntax == 'yaml', 'YAML syntax is not loaded: ' .. tostring(vim.b.current_syntax))
  end

  -- 2. A client named pacto attaches, rooted at the bundle folder.
  wait_for('a client named pacto attached to ' .. file, function()
    local list = pacto_clients(bufnr)
    return #list == 1 and list[1].initialized
  end)
  local client = pacto_clients(bufnr)[1]
  check(client.config.root_dir == dir, 'the client root is ' .. tostring(client.config.root_dir) .. ', expected ' .. dir)
  local requests = record_commands(client)

  -- 3. Diagnostics with source `pacto` arrive, on the lines of the mistakes.
  wait_for('diagnostics with source pacto', function()
    return #pacto_diagnostics(bufnr) > 0
  end)
  local diagnostics = pacto_diagnostics(bufnr)
  expect_diagnostic(bufnr, diagnostics, 'SCHEMA_VIOLATION', '^%s+onwer:', 'onwer')
  expect_diagnostic(bufnr, diagnostics, 'HEALTH_INTERFACE_NOT_FOUND', '^%s+interface: wbe$', 'wbe')
  expect_diagnostic(bufnr, diagnostics, 'SCALING_MIN_EXCEEDS_MAX', '^scaling:', 'scaling')
  expect_diagnostic(bufnr, diagnostics, 'INVALID_READINESS_EXPIRES', 'expires: 2026%-02%-30$', '2026-02-30')

  -- 4. The settings are answered to workspace/configuration as the `pacto` section.
  wait_for('the server to ask for the pacto settings (workspace/configuration)', function()
    return #configuration_answers > 0
  end)
  local asked = configuration_answers[1]
  check(asked.items and asked.items[1] and asked.items[1].section == 'pacto', 'unexpected configuration request: ' .. inspect(asked.items))
  local answer = asked.answer and asked.answer[1]
  check(
    type(answer) == 'table' and type(answer.readiness) == 'table' and answer.readiness.warnDays == 30,
    'workspace/configuration was answered ' .. inspect(asked.answer)
  )

  -- 5. :PactoValidate shows the findings (the current buffer's URI is the first argument).
  local uri = vim.uri_from_bufnr(bufnr)
  local entry, since = run_server_command(requests, 'PactoValidate', 'pacto.validate')
  check(vim.deep_equal(entry.params.arguments, { uri }), 'pacto.validate arguments: ' .. inspect(entry.params.arguments))
  check(entry.err == nil, 'pacto.validate failed: ' .. inspect(entry.err))
  local result = entry.result
  check(type(result) == 'table' and type(result.findings) == 'table', 'pacto.validate result: ' .. inspect(result))
  check(#result.findings == #diagnostics, ('pacto.validate returned %d findings, the editor shows %d diagnostics'):format(
    #result.findings,
    #diagnostics
  ))
  local errors = 0
  for _, d in ipairs(diagnostics) do
    if d.severity == vim.diagnostic.severity.ERROR then
      errors = errors + 1
    end
  end
  check(result.errors == errors, ('pacto.validate counts %s errors, the editor shows %d'):format(tostring(result.errors), errors))
  local summary = notified(since, ('pacto: the contract has %d errors'):format(errors), vim.log.levels.WARN)
  check(#summary == 1, 'no WARN notification summarizing the findings; notifications: ' .. inspect(notifications))
  local shown = vim.fn.bufnr('pacto://pacto.validate')
  check(shown > 0, 'the result buffer pacto://pacto.validate does not exist')
  check(vim.fn.bufwinnr(shown) > 0, 'the result buffer is not shown in a window')
  local json = table.concat(vim.api.nvim_buf_get_lines(shown, 0, -1, true), '\n')
  check(json:find('"SCHEMA_VIOLATION"', 1, true) and json:find('"HEALTH_INTERFACE_NOT_FOUND"', 1, true),
    'the result buffer does not list the findings:\n' .. json)
  local ok_json, decoded = pcall(vim.fn.json_decode, json)
  check(ok_json and type(decoded) == 'table' and #decoded.findings == #result.findings, 'the result buffer is not the JSON result:\n' .. json)
  check(vim.api.nvim_get_current_buf() == bufnr, 'showing the result moved the cursor out of the contract')
  local report = { ('pacto.validate -> %d findings, %d errors'):format(#result.findings, result.errors) }

  -- 6. :PactoPack, :PactoPush!, :PactoDiff: whatever the server answers is shown; an error is an
  --    ERROR notification with the server's message, never a Lua error.
  vim.v.errmsg = ''
  entry, since = run_server_command(requests, 'PactoPack', 'pacto.pack')
  check(vim.deep_equal(entry.params.arguments, { uri }), 'pacto.pack arguments: ' .. inspect(entry.params.arguments))
  report[#report + 1] = 'pacto.pack -> ' .. expect_shown(entry, since, function(it)
    return 'packed the bundle to ' .. tostring(it and it.path)
  end)

  local ref = 'oci://127.0.0.1:1/acme/checkout:1.0.0'
  entry, since = run_server_command(requests, 'PactoPush! ' .. ref, 'pacto.push')
  check(vim.deep_equal(entry.params.arguments, { uri, ref, { force = true } }), 'pacto.push arguments: ' .. inspect(entry.params.arguments))
  report[#report + 1] = 'pacto.push -> ' .. expect_shown(entry, since, function(it)
    return (it and it.pushed == false and 'already in the registry: ' or 'pushed: ') .. tostring(it and it.ref)
  end)

  run('cd ' .. vim.fn.fnameescape(root))
  entry, since = run_server_command(requests, 'PactoDiff ' .. vim.fn.fnamemodify(dir, ':t') .. '/pacto.yaml', 'pacto.diff')
  check(vim.deep_equal(entry.params.arguments, { uri, file }), 'pacto.diff arguments (a relative path must be made absolute): '
    .. inspect(entry.params.arguments))
  report[#report + 1] = 'pacto.diff -> ' .. expect_shown(entry, since, function(it)
    return 'diff: ' .. tostring(it and it.classification)
  end)
  check(entry.err == nil and entry.result.classification == 'NONE', 'pacto.diff against the file itself: ' .. inspect(entry.err or entry.result))
  check(not vim.v.errmsg:find('E5108', 1, true) and not vim.v.errmsg:find('Error executing', 1, true),
    'a Lua error was raised: ' .. vim.v.errmsg)

  -- 6b. The file on disk is now the baseline: a changed port is a BREAKING warning on the port's
  --     value (source pacto-diff), changing it back clears it, and :PactoDiffClear ends the diff.
  local function diff_diagnostics()
    local found = {}
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.source == 'pacto-diff' then
        found[#found + 1] = d
      end
    end
    return found
  end
  local port_row = find_line(bufnr, '^%s+port: 9000$')
  local port_col = vim.api.nvim_buf_get_lines(bufnr, port_row, port_row + 1, true)[1]:find('9000', 1, true) - 1
  vim.api.nvim_buf_set_text(bufnr, port_row, port_col, port_row, port_col + 4, { '9001' })
  wait_for('a pacto-diff warning for the changed port', function()
    return #diff_diagnostics() == 1
  end)
  local port = diff_diagnostics()[1]
  check(port.severity == vim.diagnostic.severity.WARN and port.code == 'BREAKING', 'the port change is ' .. inspect(port))
  check(port.lnum == port_row and port.col == port_col and port.end_col == port_col + 4,
    ('the port change is at %d:%d-%d, expected %d:%d-%d'):format(port.lnum, port.col, port.end_col, port_row, port_col, port_col + 4))
  check(port.message:find('9000 → 9001', 1, true), 'the message does not show old → new: ' .. port.message)
  vim.api.nvim_buf_set_text(bufnr, port_row, port_col, port_row, port_col + 4, { '9000' })
  wait_for('the pacto-diff warning to go away once the port is back', function()
    return #diff_diagnostics() == 0
  end)
  entry, since = run_server_command(requests, 'PactoDiffClear', 'pacto.diff.clear')
  report[#report + 1] = 'pacto.diff.clear -> ' .. expect_shown(entry, since, function()
    return 'cleared the diff baseline'
  end)
  report[#report + 1] = 'live diff: BREAKING warning on the changed port, cleared when changed back'

  -- 7. The settings are in effect: with readiness.warnDays = 30 a check expiring in 21 days is
  --    flagged (with the default, 14, it would not be).
  local row = find_line(bufnr, 'expires: 2026%-02%-30$')
  local col = vim.api.nvim_buf_get_lines(bufnr, row, row + 1, true)[1]:find('2026-02-30', 1, true) - 1
  vim.api.nvim_buf_set_text(bufnr, row, col, row, col + #'2026-02-30', { '2026-02-05' })
  wait_for('READINESS_CHECK_EXPIRING (readiness.warnDays = 30 from the plugin settings)', function()
    for _, d in ipairs(pacto_diagnostics(bufnr)) do
      if d.code == 'READINESS_CHECK_EXPIRING' then
        return true
      end
    end
    return false
  end)
  expect_diagnostic(bufnr, pacto_diagnostics(bufnr), 'READINESS_CHECK_EXPIRING', 'expires: 2026%-02%-05$', '2026-02-05')

  -- 8. :checkhealth pacto: OK for the binary (with its --version) and for the attached client.
  local version = vim.trim(vim.fn.system({ bin, '--version' }))
  check(vim.v.shell_error == 0 and version ~= '', bin .. ' --version failed')
  local lines, text = health_lines()
  check(has_line(lines, 'OK', bin, version), ('no OK line for the binary (%s, %q):\n%s'):format(bin, version, text))
  check(has_line(lines, 'OK', 'a pacto client is attached', 'pacto.yaml'), 'no OK line for the attached client:\n' .. text)
  check(not text:find('ERROR', 1, true), ':checkhealth pacto reports an ERROR:\n' .. text)
  check(vim.api.nvim_get_current_buf() == bufnr, 'closing the health tab did not return to the contract')

  -- 9. setup() again with other settings: the running client gets them at once
  --    (workspace/didChangeConfiguration); with the default warnDays (14) the hint goes away.
  require('pacto').setup({ cmd = { bin, '--stdio' }, settings = { readiness = { warnDays = 14 } } })
  wait_for('READINESS_CHECK_EXPIRING to go away after setup() with readiness.warnDays = 14', function()
    for _, d in ipairs(pacto_diagnostics(bufnr)) do
      if d.code == 'READINESS_CHECK_EXPIRING' then
        return false
      end
    end
    return true
  end)
  check(#pacto_clients() == 1, 'setup() started another client')

  -- 10. One client per bundle folder: a second folder gets its own client; the first keeps its own.
  local second = root .. '/second'
  vim.fn.mkdir(second, 'p')
  check(vim.fn.writefile(vim.fn.readfile(file), second .. '/pacto.yaml') == 0, 'cannot write ' .. second .. '/pacto.yaml')
  run('edit ' .. vim.fn.fnameescape(second .. '/pacto.yaml'))
  local second_buf = vim.api.nvim_get_current_buf()
  wait_for('a pacto client attached to the second bundle', function()
    return #pacto_clients(second_buf) == 1
  end)
  local second_client = pacto_clients(second_buf)[1]
  check(second_client.id ~= client.id, 'the second bundle folder reuses the first folder\'s client')
  check(second_client.config.root_dir == second, 'the second client root is ' .. tostring(second_client.config.root_dir))
  run('buffer ' .. bufnr)
  run('set filetype=yaml.pacto')
  local attached = pacto_clients(bufnr)
  check(#attached == 1 and attached[1].id == client.id, 'setting the filetype again attached another client: ' .. #attached)
  wait_for('two pacto clients in all', function()
    return #pacto_clients() == 2
  end)

  -- 10b. A valid bundle (scaffolded by `pacto-lsp init`): :PactoPack writes the archive beside the
  --      bundle folder and names it, with its digest.
  local fresh = root .. '/fresh'
  run('cd ' .. vim.fn.fnameescape(root))
  local init_output = vim.fn.system({ bin, 'init', 'fresh' })
  check(vim.v.shell_error == 0, 'pacto-lsp init failed: ' .. init_output)
  run('edit ' .. vim.fn.fnameescape(fresh .. '/pacto.yaml'))
  local fresh_buf = vim.api.nvim_get_current_buf()
  wait_for('a pacto client attached to the scaffolded bundle', function()
    local list = pacto_clients(fresh_buf)
    return #list == 1 and list[1].initialized
  end)
  local fresh_requests = record_commands(pacto_clients(fresh_buf)[1])
  entry, since = run_server_command(fresh_requests, 'PactoPack', 'pacto.pack')
  check(entry.err == nil, 'pacto.pack of the scaffold failed: ' .. inspect(entry.err))
  local archive = entry.result.path
  check(archive == root .. '/fresh-0.1.0.tar.gz', 'the archive is ' .. inspect(archive))
  check(vim.fn.filereadable(archive) == 1, 'the archive was not written: ' .. archive)
  check(vim.fn.getfsize(archive) == entry.result.size, 'the archive size differs from the result')
  report[#report + 1] = 'pacto.pack (init scaffold) -> ' .. expect_shown(entry, since, function(it)
    return 'packed the bundle to ' .. it.path .. ' (' .. it.digest .. ')'
  end)
  run('buffer ' .. bufnr)

  -- 11. A command that is not executable: a clear ERROR notification, no client, and the health
  --     check reports the binary as an ERROR.
  local missing = root .. '/no-such-pacto-lsp'
  since = #notifications
  require('pacto').setup({ cmd = { missing } })
  local third = root .. '/third'
  vim.fn.mkdir(third, 'p')
  check(vim.fn.writefile({ 'pactoVersion: "1.1"' }, third .. '/pacto.yaml') == 0, 'cannot write ' .. third .. '/pacto.yaml')
  run('edit ' .. vim.fn.fnameescape(third .. '/pacto.yaml'))
  local third_buf = vim.api.nvim_get_current_buf()
  local errors_shown = notified(since, missing, vim.log.levels.ERROR)
  check(#errors_shown == 1 and errors_shown[1].message:find('not an executable', 1, true),
    'no clear ERROR for a missing binary; notifications: ' .. inspect(notifications))
  check(#pacto_clients(third_buf) == 0, 'a client attached although the binary is missing')
  lines, text = health_lines()
  check(has_line(lines, 'ERROR', missing), ':checkhealth pacto does not report the missing binary:\n' .. text)
  check(has_line(lines, 'ERROR', 'no pacto client is attached'), ':checkhealth pacto does not report the missing client:\n' .. text)

  -- 12. The help file: `:helptags` accepts it (on a copy: nothing is written into the repository)
  --     and its tags lead to the right sections.
  local doc = vim.fn.fnamemodify(vim.api.nvim_get_runtime_file('doc/pacto.txt', false)[1] or '', ':p')
  check(doc ~= '' and vim.fn.filereadable(doc) == 1, 'doc/pacto.txt is not on the runtimepath')
  local help_root = root .. '/help'
  vim.fn.mkdir(help_root .. '/doc', 'p')
  check(vim.fn.writefile(vim.fn.readfile(doc), help_root .. '/doc/pacto.txt') == 0, 'cannot copy the help file')
  vim.v.errmsg = ''
  run('helptags ' .. vim.fn.fnameescape(help_root .. '/doc'))
  check(vim.v.errmsg == '', ':helptags reported ' .. vim.v.errmsg)
  vim.opt.runtimepath:prepend(help_root)
  for _, tag in ipairs({ 'pacto', 'pacto-setup', 'pacto-settings', ':PactoPush', ':PactoDiff', ':PactoDiffClear', 'pacto-health' }) do
    run('help ' .. tag)
    local help_file = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(0), ':t')
    check(help_file == 'pacto.txt', (':help %s opened %s'):format(tag, help_file))
    check(vim.api.nvim_get_current_line():find('*' .. tag .. '*', 1, true), (':help %s landed on %q'):format(
      tag,
      vim.api.nvim_get_current_line()
    ))
    run('helpclose')
  end

  for _, line in ipairs(report) do
    emit('  ' .. line)
  end
end

local function finish()
  local ok, err = xpcall(main, function(e)
    if type(e) == 'table' and e.pacto_fail then
      return e.pacto_fail
    end
    return debug.traceback(tostring(e), 2)
  end)
  if ok then
    emit('NVIM-PLUGIN-OK')
    vim.cmd('qa!')
  else
    emit('NVIM-PLUGIN-FAIL: ' .. tostring(err))
    vim.cmd('cquit')
  end
end

finish()
