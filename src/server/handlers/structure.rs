//! `textDocument/documentSymbol`, `foldingRange`, `selectionRange`, `documentLink`.

use tower_lsp_server::ls_types::{
    DocumentLink, DocumentLinkParams, DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, FoldingRange,
    FoldingRangeKind, FoldingRangeParams, SelectionRange, SelectionRangeParams, SymbolKind, Uri,
};

use crate::core::bundle::check_bundle_path;
use crate::core::ide::outline::{self, LinkTarget, Symbol};
use crate::server::convert::{self, Encoding};
use crate::server::document::Analyzed;
use crate::server::session::Session;

pub fn document_symbol(session: &Session, params: DocumentSymbolParams) -> Option<DocumentSymbolResponse> {
    let analyzed = session.current(&params.text_document.uri)?;
    let encoding = session.encoding();
    let symbols = outline::symbols(&analyzed.analysis.parsed.tree);
    Some(DocumentSymbolResponse::Nested(symbols.iter().map(|it| to_symbol(&analyzed, it, encoding)).collect()))
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must still be written.
fn to_symbol(analyzed: &Analyzed, symbol: &Symbol, encoding: Encoding) -> DocumentSymbol {
    let range = |span| convert::range(&analyzed.text, &analyzed.lines, span, encoding);
    DocumentSymbol {
        name: symbol.name.clone(),
        detail: symbol.detail.clone(),
        kind: match symbol.kind {
            outline::SymbolKind::Module => SymbolKind::MODULE,
            outline::SymbolKind::Object => SymbolKind::OBJECT,
            outline::SymbolKind::Interface => SymbolKind::INTERFACE,
            outline::SymbolKind::Field => SymbolKind::FIELD,
            outline::SymbolKind::Package => SymbolKind::PACKAGE,
            outline::SymbolKind::Event => SymbolKind::EVENT,
        },
        tags: None,
        deprecated: None,
        range: range(&symbol.span),
        selection_range: range(&symbol.selection),
        children: Some(symbol.children.iter().map(|it| to_symbol(analyzed, it, encoding)).collect()),
    }
}

pub fn folding_range(session: &Session, params: FoldingRangeParams) -> Option<Vec<FoldingRange>> {
    let analyzed = session.current(&params.text_document.uri)?;
    let folds = outline::folding(&analyzed.analysis.parsed.tree)
        .into_iter()
        .filter_map(|span| {
            let start = analyzed.lines.line_col(&analyzed.text, span.start).line as u32 - 1;
            let end = analyzed.lines.line_col(&analyzed.text, span.end).line as u32 - 1;
            (end > start).then_some(FoldingRange {
                start_line: start,
                end_line: end,
                kind: Some(FoldingRangeKind::Region),
                ..FoldingRange::default()
            })
        })
        .collect();
    Some(folds)
}

pub fn selection_range(session: &Session, params: SelectionRangeParams) -> Option<Vec<SelectionRange>> {
    let analyzed = session.current(&params.text_document.uri)?;
    let encoding = session.encoding();
    let res = params
        .positions
        .iter()
        .map(|position| {
            let offset = convert::offset(&analyzed.text, &analyzed.lines, *position, encoding);
            let spans = outline::selection(&analyzed.analysis.parsed.tree, offset);
            let mut chain: Option<SelectionRange> = None;
            for span in spans.iter().rev() {
                chain = Some(SelectionRange {
                    range: convert::range(&analyzed.text, &analyzed.lines, span, encoding),
                    parent: chain.map(Box::new),
                });
            }
            chain.unwrap_or_else(|| {
                let here = convert::range(&analyzed.text, &analyzed.lines, &(offset..offset), encoding);
                SelectionRange { range: here, parent: None }
            })
        })
        .collect();
    Some(res)
}

pub fn document_link(session: &Session, params: DocumentLinkParams) -> Option<Vec<DocumentLink>> {
    let uri = params.text_document.uri;
    let analyzed = session.current(&uri)?;
    let encoding = session.encoding();
    let root = session.bundle_root(&uri);
    let links = outline::links(&analyzed.analysis.parsed.tree)
        .into_iter()
        .filter_map(|(span, target)| {
            let (target, tooltip) = match target {
                LinkTarget::BundleFile(file) => {
                    check_bundle_path(&file).ok()?;
                    (Uri::from_file_path(root.as_ref()?.join(&file))?, "Open bundle file")
                }
                LinkTarget::Url(url) => (url.parse().ok()?, "Open evidence"),
            };
            Some(DocumentLink {
                range: convert::range(&analyzed.text, &analyzed.lines, &span, encoding),
                target: Some(target),
                tooltip: Some(tooltip.into()),
                data: None,
            })
        })
        .collect();
    Some(links)
}
