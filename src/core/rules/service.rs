//! `service`: a semver version, a valid image reference, a valid chart reference and version.

use super::Context;
use crate::core::finding::{Anchor, Code, Issue};
use crate::core::ociref;
use crate::core::path::Path;
use crate::core::semver::parse_version;
use crate::core::text::excerpt;

pub(super) fn check(ctx: &Context<'_>, out: &mut Vec<Issue>) {
    let Some(service) = &ctx.contract.service else { return };
    let at = Path::root().key("service");
    // Empty values are the structural layer's to report.
    if let Some(version) = service.version.as_deref().filter(|it| !it.is_empty())
        && let Err(problem) = parse_version(version)
    {
        out.push(Issue::new(
            Code::INVALID_SEMVER,
            at.key("version"),
            Anchor::Value,
            format!("`{}` is not a semantic version (e.g. `1.2.3`): {problem}", excerpt(version)),
        ));
    }
    // 2.0 has no image or chart: the schema reports the keys as unknown.
    if ctx.is_v2() {
        return;
    }
    if let Some(image) = &service.image
        && let Some(reference) = image.reference.as_deref().filter(|it| !it.is_empty())
        && let Err(problem) = ociref::parse(reference)
    {
        out.push(Issue::new(
            Code::INVALID_IMAGE_REF,
            at.key("image").key("ref"),
            Anchor::Value,
            format!(
                "`{}` is not a valid image reference (`registry/repository[:tag][@digest]`, no scheme): {problem}",
                excerpt(reference)
            ),
        ));
    }
    let Some(chart) = &service.chart else { return };
    if let Some(reference) = chart.reference.as_deref()
        && let Some(rest) = reference.strip_prefix("oci://")
        && let Err(problem) = ociref::parse(rest)
    {
        out.push(Issue::new(
            Code::INVALID_CHART_REF,
            at.key("chart").key("ref"),
            Anchor::Value,
            format!("`{}` is not a valid OCI chart reference: {problem}", excerpt(reference)),
        ));
    }
    if let Some(version) = chart.version.as_deref().filter(|it| !it.is_empty())
        && let Err(problem) = parse_version(version)
    {
        out.push(Issue::new(
            Code::INVALID_CHART_VERSION,
            at.key("chart").key("version"),
            Anchor::Value,
            format!("chart version `{}` is not a semantic version: {problem}", excerpt(version)),
        ));
    }
}
