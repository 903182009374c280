-- Pacto contracts are YAML files named `pacto.yaml`. The compound filetype `yaml.pacto` keeps
-- Neovim's YAML syntax, indent and ftplugin, and lets the pacto client attach to them alone.
if vim.filetype and vim.filetype.add then
  -- Neovim 0.8+ detects filetypes in Lua; a file name match wins over the `*.yaml` extension.
  vim.filetype.add({ filename = { ['pacto.yaml'] = 'yaml.pacto' } })
end
if vim.fn.has('nvim-0.8') == 0 then
  -- Neovim 0.7 uses filetype.vim unless `g:do_filetype_lua` is set. Its `*.yaml` rule is defined
  -- before ftdetect scripts are sourced, so this later rule overrides it; the guard keeps FileType
  -- from firing twice when the Lua detection already chose `yaml.pacto`.
  vim.api.nvim_create_autocmd({ 'BufNewFile', 'BufRead' }, {
    group = vim.api.nvim_create_augroup('filetypedetect', { clear = false }),
    pattern = 'pacto.yaml',
    command = "if &filetype !=# 'yaml.pacto' | set filetype=yaml.pacto | endif",
  })
end
