-- The user's journey through Neovim with the plugin in editors/nvim, end to end: a scaffolded
-- bundle is opened, mistakes are made and fixed with the quick fixes the server offers (picked from
-- the code-action menu, as a user picks them), readiness is added with the source action (which
-- bumps pactoVersion to 1.1), the bundle is packed and pushed to a real registry, a port is changed
-- and :PactoDiff against the pushed reference shows a BREAKING warning on the port, live as the
-- port is edited back and forth. Every step asserts what the user sees: diagnostics by code and
-- line, the buffer's text, the offered menu entries and the notifications.
--
-- Run by tests/nvim_journey.rs, headless:
--   nvim --headless --clean -i NONE -n --cmd "<add editors/nvim to 'runtimepath'>" \
--     -c "luafile tests/nvim_journey/journey.lua"
-- or, for the screenshots, in a real terminal under tmux (PACTO_SCREENSHOT_DIR set). The
-- environment:
--   PACTO_LSP_BIN        the server binary
--   PACTO_TEST_DIR       the bundle folder `pacto-lsp init svc` created
--   PACTO_TODAY          2026-01-15 (readiness findings and the skeleton's expiry depend on it)
--   PACTO_REGISTRY       127.0.0.1:PORT, a registry to push to
--   PACTO_SCREENSHOT_DIR (screenshots only) where the script and the test meet: at each moment the
--                        script writes NAME.ready and waits for NAME.done, which the test writes
--                        after capturing the terminal; the script's output goes to journey.log there
--
-- Written for Neovim 0.7.2 (the Debian bookworm package) and newer. The waits never block the
-- event loop (the journey runs in a coroutine resumed by a timer), so a real terminal keeps
-- redrawing while the script waits.
--
-- Prints `NVIM-JOURNEY-OK` and quits with status 0 on success; prints `NVIM-JOURNEY-FAIL: <reason>`
-- and quits with `:cquit` (status 1) on any failure or timeout.

local WAIT_MS = 15000
local SHOTS = os.getenv('PACTO_SCREENSHOT_DIR')
if SHOTS == '' then
  SHOTS = nil
end

local function inspect(value)
  return vim.inspect(value, { newline = ' ', indent = '' })
end

local log_file = SHOTS and io.open(SHOTS .. '/journey.log', 'w')

-- In a real terminal stdout is the screen, so the output goes to a file there.
local function emit(text)
  local out = log_file or io.stdout
  out:write(text, '\n')
  out:flush()
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

-- The journey runs in this coroutine; waits yield it and a timer resumes it.
local journey
local finish

local function resume()
  local ok, err = coroutine.resume(journey)
  if not ok then
    if type(err) == 'table' and err.pacto_fail then
      finish(false, err.pacto_fail)
    else
      finish(false, debug.traceback(journey, tostring(err)))
    end
  elseif coroutine.status(journey) == 'dead' then
    finish(true)
  end
end

-- Waits, without blocking the event loop, until `predicate()` holds; fails after `timeout_ms`.
local function wait_for(what, predicate, timeout_ms)
  timeout_ms = timeout_ms or WAIT_MS
  if predicate() then
    return
  end
  local deadline = vim.loop.hrtime() + timeout_ms * 1e6
  local timer = vim.loop.new_timer()
  timer:start(
    20,
    20,
    vim.schedule_wrap(function()
      if timer:is_closing() then
        return
      end
      local ok, ready = pcall(predicate)
      if not ok or ready or vim.loop.hrtime() > deadline then
        timer:stop()
        timer:close()
        resume()
      end
    end)
  )
  coroutine.yield()
  check(predicate(), ('timed out after %d ms waiting for %s'):format(timeout_ms, what))
end

-- Every vim.notify call, in order: { message, level }. A real terminal still shows them, cut to
-- one screen line (a longer one would wait for Enter).
local notifications = {}
local original_notify = vim.notify
vim.notify = function(message, level, opts)
  notifications[#notifications + 1] = { message = tostring(message), level = level or vim.log.levels.INFO }
  if SHOTS then
    return original_notify(vim.fn.strcharpart(tostring(message), 0, vim.o.columns - 20), level, opts)
  end
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

-- The version of the last publishDiagnostics for each URI.
local published = {}
local default_publish = vim.lsp.handlers['textDocument/publishDiagnostics']
vim.lsp.handlers['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
  local value = default_publish(err, result, ctx, config)
  if result and result.uri then
    published[result.uri] = result.version
  end
  return value
end

-- The code-action menu: what the user is offered, and what they pick. `pick` is the title the
-- user will choose next; with `pick_by_hand` the real menu is shown (screenshots: the test types
-- the entry's number into the terminal).
local menu = { offered = nil, picked = nil, pick = nil, pick_by_hand = false }
local original_select = vim.ui.select
vim.ui.select = function(items, opts, on_choice)
  local format = opts and opts.format_item or tostring
  local titles = {}
  for index, item in ipairs(items) do
    titles[index] = format(item)
  end
  menu.offered = { titles = titles, items = items }
  local function chosen(item, index)
    menu.picked = item and titles[index] or false
    on_choice(item, index)
  end
  if menu.pick_by_hand then
    return original_select(items, opts, chosen)
  end
  for index, title in ipairs(titles) do
    if title == menu.pick then
      return chosen(items[index], index)
    end
  end
  return chosen(nil, nil)
end

-- The code action behind a menu entry (0.7 offers { client_id, action }, later versions
-- { ctx = …, action = … }).
local function action_of(item)
  return item.action or item[2]
end

local function pacto_client(bufnr)
  for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
    if client.name == 'pacto' then
      return client
    end
  end
end

local function diagnostics(bufnr, source)
  local result = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.source == source then
      result[#result + 1] = d
    end
  end
  table.sort(result, function(a, b)
    return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col)
  end)
  return result
end

local function describe(list)
  local parts = {}
  for _, d in ipairs(list) do
    parts[#parts + 1] = ('%s@%d:%d %q'):format(tostring(d.code), d.lnum, d.col, d.message)
  end
  return #parts == 0 and 'none' or table.concat(parts, ', ')
end

local function lines(bufnr)
  return vim.api.nvim_buf_get_lines(bufnr, 0, -1, true)
end

-- The 0-based number of the single line of the buffer matching `pattern`.
local function find_line(bufnr, pattern)
  local found
  for index, text in ipairs(lines(bufnr)) do
    if text:find(pattern) then
      check(found == nil, ('pattern %q matches more than one line'):format(pattern))
      found = index - 1
    end
  end
  check(found ~= nil, ('no line of the buffer matches %q (did the `pacto-lsp init` scaffold change?)'):format(pattern))
  return found
end

local function line_text(bufnr, lnum)
  return vim.api.nvim_buf_get_lines(bufnr, lnum, lnum + 1, true)[1]
end

-- Replaces `old` (plain) on the line matching `pattern` with `new`, as typing over it would, and
-- returns the line number and the 0-based column of the new text.
local function type_over(bufnr, pattern, old, new)
  local lnum = find_line(bufnr, pattern)
  local start = line_text(bufnr, lnum):find(old, 1, true)
  check(start ~= nil, ('%q is not on line %d'):format(old, lnum))
  vim.api.nvim_buf_set_text(bufnr, lnum, start - 1, lnum, start - 1 + #old, { new })
  return lnum, start - 1
end

-- Waits until the server has published diagnostics for the buffer's current version.
local function settled(bufnr)
  local uri = vim.uri_from_bufnr(bufnr)
  wait_for('diagnostics for the current version of the buffer', function()
    local version = vim.lsp.util.buf_versions[bufnr]
    return version ~= nil and published[uri] == version
  end)
end

-- Asserts the `pacto` diagnostics are exactly `expected`: { { code, line, token, message } … },
-- each at the column of `token` on its line, with `message` (plain) in its message.
local function expect_pacto(bufnr, expected, when)
  settled(bufnr)
  local got = diagnostics(bufnr, 'pacto')
  local wrong = ('%s: expected %d pacto diagnostics, the editor shows %s'):format(when, #expected, describe(got))
  check(#got == #expected, wrong)
  for index, want in ipairs(expected) do
    local d = got[index]
    local col = line_text(bufnr, want[2]):find(want[3], 1, true)
    check(d.code == want[1] and d.lnum == want[2] and col ~= nil and d.col == col - 1, wrong)
    check(want[4] == nil or d.message:find(want[4], 1, true), wrong)
  end
end

-- Opens the code-action menu with the cursor on `token` of line `lnum` (`only`: the kinds asked
-- for, as a mapping would) and picks `title`. Returns the titles offered.
local function pick_action(bufnr, lnum, token, title, only, by_hand)
  local col = line_text(bufnr, lnum):find(token, 1, true)
  check(col ~= nil, ('%q is not on line %d'):format(token, lnum))
  vim.api.nvim_win_set_cursor(0, { lnum + 1, col - 1 })
  menu.offered, menu.picked, menu.pick, menu.pick_by_hand = nil, nil, title, by_hand or false
  local tick = vim.api.nvim_buf_get_changedtick(bufnr)
  if by_hand then
    -- The test sees this file, waits for the menu on the screen, captures it and types the entry.
    local marker = io.open(SHOTS .. '/quickfix-menu.ready', 'w')
    marker:write(title, '\n')
    marker:close()
  end
  vim.lsp.buf.code_action(only and { only = only } or nil)
  wait_for('the code-action menu at line ' .. lnum, function()
    return menu.picked ~= nil
  end, by_hand and 60000 or WAIT_MS)
  check(menu.picked == title, ('the menu at line %d did not offer %q; it offered %s'):format(
    lnum,
    title,
    inspect(menu.offered and menu.offered.titles)
  ))
  wait_for('the edit of ' .. title, function()
    return vim.api.nvim_buf_get_changedtick(bufnr) ~= tick
  end)
  return menu.offered
end

local function has_title(offered, title, kind)
  for index, it in ipairs(offered.titles) do
    if it == title then
      return action_of(offered.items[index]).kind == kind
    end
  end
  return false
end

-- Screenshots only: lets the test capture the terminal as it is now.
local function moment(name)
  if not SHOTS then
    return
  end
  vim.cmd('redraw!')
  local marker = io.open(SHOTS .. '/' .. name .. '.ready', 'w')
  marker:close()
  wait_for('the test to capture ' .. name, function()
    return vim.loop.fs_stat(SHOTS .. '/' .. name .. '.done') ~= nil
  end, 60000)
end

-- Runs a :Pacto* command and waits for the plugin's notification about it; returns that
-- notification.
local function pacto_command(command, summary, level)
  local since = #notifications
  local ok, err = pcall(vim.cmd, command)
  check(ok, (':%s raised an error: %s'):format(command, tostring(err)))
  wait_for('the answer to :' .. command, function()
    return #notifications > since
  end, 30000)
  local shown = notified(since, 'pacto: ' .. summary, level)
  check(#shown == 1, (':%s: expected a notification %q; notifications: %s'):format(command, summary, inspect(notifications)))
  return shown[1].message
end

local function result_of(command)
  local bufnr = vim.fn.bufnr('pacto://' .. command)
  check(bufnr > 0, 'the result buffer pacto://' .. command .. ' does not exist')
  local ok, decoded = pcall(vim.fn.json_decode, table.concat(lines(bufnr), '\n'))
  check(ok and type(decoded) == 'table', 'the result buffer pacto://' .. command .. ' is not JSON')
  return decoded
end

local function main()
  check(vim.fn.has('nvim-0.7') == 1, 'needs Neovim 0.7 or newer')
  local bin = env('PACTO_LSP_BIN')
  local dir = env('PACTO_TEST_DIR')
  local registry = env('PACTO_REGISTRY')
  local root = vim.fn.fnamemodify(dir, ':h')
  local file = dir .. '/pacto.yaml'
  if SHOTS then
    vim.o.background = 'dark'
    vim.o.number = true
    vim.o.signcolumn = 'yes'
    -- A user's choice that shows each diagnostic's code beside its message.
    vim.diagnostic.config({
      virtual_text = {
        format = function(d)
          return ('%s: %s'):format(tostring(d.code), d.message)
        end,
      },
    })
  end

  require('pacto').setup({ cmd = { bin, '--stdio' } })

  -- 1. The scaffold opens as a Pacto contract, the client attaches, and it is valid.
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  if SHOTS then
    -- The status line then shows `svc/pacto.yaml`, not the scratch folder.
    vim.cmd('cd ' .. vim.fn.fnameescape(root))
  end
  check(vim.bo[bufnr].filetype == 'yaml.pacto', 'filetype is ' .. vim.bo[bufnr].filetype .. ', expected yaml.pacto')
  wait_for('the pacto client to attach', function()
    local client = pacto_client(bufnr)
    return client ~= nil and client.initialized
  end)
  check(lines(bufnr)[1] == 'pactoVersion: "1.1"', 'the scaffold starts with ' .. inspect(lines(bufnr)[1]))
  expect_pacto(bufnr, {}, 'the scaffold')
  emit('  opened the scaffold: no diagnostics')

  -- 2. The user starts from pactoVersion 1.0 but writes it unquoted: YAML reads a number. The quick
  --    fix quotes it.
  type_over(bufnr, '^pactoVersion:', '"1.1"', '1.0')
  expect_pacto(bufnr, { { 'UNSUPPORTED_PACTO_VERSION', 0, '1.0', 'pactoVersion must be a quoted string' } }, 'unquoted 1.0')
  local offered = pick_action(bufnr, 0, '1.0', 'Quote pactoVersion: "1.0"')
  check(has_title(offered, 'Quote pactoVersion: "1.0"', 'quickfix'), 'the quote fix is not a quickfix: ' .. inspect(offered.titles))
  check(lines(bufnr)[1] == 'pactoVersion: "1.0"', 'after the quick fix line 1 is ' .. inspect(lines(bufnr)[1]))
  expect_pacto(bufnr, {}, 'after quoting the version')
  emit('  UNSUPPORTED_PACTO_VERSION fixed with "Quote pactoVersion: \\"1.0\\""')

  -- 3. A typo'd key: the diagnostic names the key it meant. No quick fix renames a key, so the user
  --    retypes it as the message says.
  local typo = type_over(bufnr, '^  name: svc$', 'name', 'nmae')
  local service = find_line(bufnr, '^service:$')
  expect_pacto(bufnr, {
    { 'SCHEMA_VIOLATION', service, 'service', '`service` is missing the required key `name`' },
    { 'SCHEMA_VIOLATION', typo, 'nmae', 'unknown key `nmae` in `service`; did you mean `name`?' },
  }, 'a typo in service.name')
  type_over(bufnr, '^  nmae: svc$', 'nmae', 'name')
  expect_pacto(bufnr, {}, 'after retyping the key')
  emit('  SCHEMA_VIOLATION (typo) named the key it meant; retyped')

  -- 4. A wrong health interface: the quick fix offers the declared one.
  local health = type_over(bufnr, '^    interface: api$', 'api', 'apii')
  expect_pacto(bufnr, {
    { 'HEALTH_INTERFACE_NOT_FOUND', health, 'apii', 'health interface `apii` is not declared in `interfaces`' },
  }, 'a wrong health interface')
  if SHOTS then
    vim.api.nvim_win_set_cursor(0, { health + 1, 0 })
    vim.cmd('normal! zz')
    -- The float closes when the cursor moves: let the move's autocommands run first.
    local moved = false
    vim.defer_fn(function()
      moved = true
    end, 100)
    wait_for('the cursor to settle', function()
      return moved
    end)
    local _, float = vim.diagnostic.open_float({ bufnr = bufnr, scope = 'line' })
    moment('diagnostic')
    if float and vim.api.nvim_win_is_valid(float) then
      vim.api.nvim_win_close(float, true)
    end
  end
  offered = pick_action(bufnr, health, 'apii', 'Change to `api`', nil, SHOTS ~= nil)
  check(has_title(offered, 'Change to `api`', 'quickfix'), 'the interface fix is not a quickfix: ' .. inspect(offered.titles))
  check(line_text(bufnr, health) == '    interface: api', 'after the quick fix the line is ' .. inspect(line_text(bufnr, health)))
  expect_pacto(bufnr, {}, 'after changing the interface to api')
  emit('  HEALTH_INTERFACE_NOT_FOUND fixed with "Change to `api`"')

  -- 5. scaling.min above max: the quick fix swaps them.
  type_over(bufnr, '^  min: 1$', '1', '5')
  local scaling = find_line(bufnr, '^scaling:$')
  expect_pacto(bufnr, { { 'SCALING_MIN_EXCEEDS_MAX', scaling, 'scaling', 'scaling min (5) is greater than max (3)' } }, 'min > max')
  pick_action(bufnr, scaling, 'scaling', 'Swap `min` and `max`')
  check(line_text(bufnr, scaling + 1) == '  min: 3' and line_text(bufnr, scaling + 2) == '  max: 5',
    'after the swap: ' .. inspect({ line_text(bufnr, scaling + 1), line_text(bufnr, scaling + 2) }))
  expect_pacto(bufnr, {}, 'after swapping min and max')
  emit('  SCALING_MIN_EXCEEDS_MAX fixed with "Swap `min` and `max`"')

  -- 6. The source action adds a readiness section and bumps pactoVersion to 1.1.
  local before = #lines(bufnr)
  offered = pick_action(bufnr, 0, 'pactoVersion', 'Add readiness section', { 'source' })
  check(has_title(offered, 'Add readiness section', 'source'), 'not a source action: ' .. inspect(offered.titles))
  check(lines(bufnr)[1] == 'pactoVersion: "1.1"', 'the source action did not bump the version: ' .. inspect(lines(bufnr)[1]))
  local readiness = find_line(bufnr, '^readiness:$')
  local section = vim.api.nvim_buf_get_lines(bufnr, readiness, readiness + 8, true)
  local want = {
    'readiness:',
    '  minScore: 100',
    '  checks:',
    '    - id: dashboard',
    '      type: url',
    '      evidence: https://dashboards.example.com/svc',
    '      weight: 100',
    '      expires: "2026-04-15"',
  }
  check(vim.deep_equal(section, want), 'the readiness section is ' .. inspect(section))
  check(#lines(bufnr) == before + #want, ('the buffer grew by %d lines, expected %d'):format(#lines(bufnr) - before, #want))
  expect_pacto(bufnr, {}, 'after adding readiness')
  emit('  "Add readiness section": pactoVersion "1.1", readiness at line ' .. (readiness + 1))

  -- 7. :write, then :PactoPack writes the archive beside the bundle folder.
  vim.cmd('write')
  local message = pacto_command('PactoPack', 'packed the bundle to ' .. root .. '/svc-0.1.0.tar.gz (sha256:', vim.log.levels.INFO)
  local packed = result_of('pacto.pack')
  check(packed.path == root .. '/svc-0.1.0.tar.gz', 'the archive is ' .. inspect(packed.path))
  check(vim.fn.filereadable(packed.path) == 1, 'the archive was not written: ' .. packed.path)
  check(vim.fn.getfsize(packed.path) == packed.size, 'the archive size differs from the result')
  check(vim.api.nvim_get_current_buf() == bufnr, 'showing the result moved the cursor out of the contract')
  emit('  ' .. message)

  -- 8. :PactoPush to the registry; the tag is the contract's version.
  local ref = 'oci://' .. registry .. '/acme/svc'
  message = pacto_command('PactoPush ' .. ref, 'pushed: ' .. ref .. ':0.1.0 (sha256:', vim.log.levels.INFO)
  local pushed = result_of('pacto.push')
  check(pushed.pushed == true and pushed.ref == ref .. ':0.1.0', 'the push result is ' .. inspect(pushed))
  emit('  ' .. message)
  emit('PUSHED ' .. pushed.ref .. ' ' .. pushed.digest)

  -- 9. A port changes (not saved): still valid.
  local port_line, port_col = type_over(bufnr, '^    port: 8080$', '8080', '8081')
  expect_pacto(bufnr, {}, 'after changing the port')

  -- 10. :PactoDiff against the pushed reference: BREAKING, shown as a warning on the port.
  local function breaking(new)
    local list = diagnostics(bufnr, 'pacto-diff')
    return #list == 1
      and list[1].code == 'BREAKING'
      and list[1].severity == vim.diagnostic.severity.WARN
      and list[1].lnum == port_line
      and list[1].col == port_col
      and list[1].end_col == port_col + 4
      and list[1].message:find('8080 → ' .. new, 1, true) ~= nil
  end
  local pulled = ref .. ':0.1.0'
  -- The baseline is named by the version it holds.
  message = pacto_command('PactoDiff ' .. pulled, 'diff: BREAKING, 1 change (against 0.1.0)', vim.log.levels.WARN)
  local diffed = result_of('pacto.diff')
  check(diffed.classification == 'BREAKING' and #diffed.changes == 1, 'the diff result is ' .. inspect(diffed))
  emit('  ' .. message)
  wait_for('a BREAKING pacto-diff warning on the port (8080 → 8081)', function()
    return breaking('8081')
  end)
  expect_pacto(bufnr, {}, 'during the diff')
  emit('  BREAKING at line ' .. (port_line + 1) .. ': ' .. diagnostics(bufnr, 'pacto-diff')[1].message)
  if SHOTS then
    vim.api.nvim_win_set_cursor(0, { port_line + 1, port_col })
    moment('breaking')
  end

  -- 11. Live: the port back to 8080 clears it, another change brings it back.
  type_over(bufnr, '^    port: 8081$', '8081', '8080')
  settled(bufnr)
  wait_for('the BREAKING warning to go away with the port back at 8080', function()
    return #diagnostics(bufnr, 'pacto-diff') == 0
  end)
  emit('  port back to 8080: no pacto-diff diagnostic')
  type_over(bufnr, '^    port: 8080$', '8080', '8082')
  settled(bufnr)
  wait_for('the BREAKING warning to come back (8080 → 8082)', function()
    return breaking('8082')
  end)
  emit('  port 8082: ' .. diagnostics(bufnr, 'pacto-diff')[1].message)
end

finish = function(ok, reason)
  if ok then
    emit('NVIM-JOURNEY-OK')
    vim.cmd('qa!')
  else
    emit('NVIM-JOURNEY-FAIL: ' .. tostring(reason))
    vim.cmd('cquit')
  end
end

journey = coroutine.create(main)
resume()
