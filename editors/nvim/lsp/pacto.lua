-- pacto-lsp for Neovim 0.11 and newer: `vim.lsp.enable('pacto')` starts it on `pacto.yaml` files
-- (filetype `yaml.pacto`, set by ftdetect/pacto.lua). Override any field with
-- `vim.lsp.config('pacto', { ... })`; the `pacto` settings section is documented in `:help pacto`.
return {
  cmd = { 'pacto-lsp' },
  filetypes = { 'yaml.pacto' },
  root_markers = { 'pacto.yaml', '.git' },
  settings = { pacto = {} },
}
