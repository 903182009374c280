-- User commands for pacto-lsp. They work with a client started by require('pacto').setup() or,
-- on Neovim 0.11+, by vim.lsp.enable('pacto'): each runs a server command on the current buffer.
if vim.g.loaded_pacto or vim.fn.has('nvim-0.7') == 0 then
  return
end
vim.g.loaded_pacto = 1

local function command(name, run, options)
  vim.api.nvim_create_user_command(name, function(args)
    run(args)
  end, options)
end

command('PactoValidate', function()
  require('pacto.commands').validate()
end, { nargs = 0, desc = 'pacto-lsp: validate this contract (pacto.validate)' })

command('PactoPack', function()
  require('pacto.commands').pack()
end, { nargs = 0, desc = 'pacto-lsp: pack this bundle (pacto.pack)' })

command('PactoPush', function(args)
  require('pacto.commands').push(args.args, args.bang)
end, { nargs = 1, bang = true, desc = 'pacto-lsp: push this bundle to an oci:// reference; ! overwrites (pacto.push)' })

command('PactoDiff', function(args)
  require('pacto.commands').diff(args.args)
end, { nargs = 1, complete = 'file', desc = 'pacto-lsp: diff against an older contract and show changes live (pacto.diff)' })

command('PactoDiffClear', function()
  require('pacto.commands').diff_clear()
end, { nargs = 0, desc = 'pacto-lsp: stop diffing this contract against its baseline (pacto.diff.clear)' })
