//! Interface ports and contracts: what each interface type needs.

use super::{Context, present};
use crate::core::finding::{Anchor, Code, Issue};
use crate::core::model::InterfaceType;
use crate::core::path::Path;
use crate::core::text::excerpt;

pub(super) fn check(ctx: &Context<'_>, out: &mut Vec<Issue>) {
    for (index, interface) in ctx.contract.interfaces.iter().enumerate() {
        let Some(kind) = interface.kind else { continue };
        let at = Path::root().key("interfaces").index(index);
        let label = interface.name.as_deref().map(|it| format!(" `{}`", excerpt(it))).unwrap_or_default();
        let has_port = present(ctx.document, &format!("/interfaces/{index}/port"));
        let has_contract = interface.contract.as_deref().is_some_and(|it| !it.is_empty())
            || (interface.contract.is_none() && present(ctx.document, &format!("/interfaces/{index}/contract")));
        match kind {
            InterfaceType::Http | InterfaceType::Grpc if !has_port => out.push(Issue::new(
                Code::PORT_REQUIRED,
                at.key("port"),
                Anchor::Value,
                format!("the {} interface{label} needs a `port`", kind.as_str()),
            )),
            InterfaceType::Event if has_port => out.push(Issue::new(
                Code::PORT_IGNORED,
                at.key("port"),
                Anchor::Value,
                format!("the event interface{label} declares a port, which is ignored: event interfaces have no port"),
            )),
            _ => {}
        }
        if matches!(kind, InterfaceType::Grpc | InterfaceType::Event) && !has_contract {
            let what = match kind {
                InterfaceType::Grpc => "a protobuf file",
                _ => "an event schema file",
            };
            out.push(Issue::new(
                Code::CONTRACT_REQUIRED,
                at.key("contract"),
                Anchor::Value,
                format!("the {} interface{label} needs a `contract` ({what} in the bundle)", kind.as_str()),
            ));
        }
    }
}
