//! resources.arsc (placeholder until the table parser lands).
use crate::error::Diagnostic;
use crate::xml::Element;

/// Resolve attribute references in `root` through the resource table `arsc`.
pub fn resolve_tree(_root: &mut Element, _arsc: &[u8], _errors: &mut Vec<Diagnostic>) {}
