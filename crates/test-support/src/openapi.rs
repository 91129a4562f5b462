//! Checks of a service's `/openapi.json` shared by the services' tests.

use std::collections::BTreeSet;

use serde_json::Value;

/// A served OpenAPI document, checked: well-formed OpenAPI 3.1 (parsed with
/// `oas3`), every `$ref` resolving inside it, every operation with an id and
/// no id twice.
pub struct Document {
    pub json: Value,
    pub spec: oas3::OpenApiV3Spec,
}

impl Document {
    pub fn parse(text: &str) -> Self {
        let spec = oas3::from_json(text).expect("a well-formed OpenAPI document");
        let version = spec
            .validate_version()
            .expect("a supported OpenAPI version");
        assert_eq!((version.major, version.minor), (3, 1), "OpenAPI 3.1");
        let json: Value = serde_json::from_str(text).expect("JSON");
        let dangling = dangling_refs(&json);
        assert!(dangling.is_empty(), "unresolved $refs: {dangling:?}");
        let ids: Vec<String> = spec
            .operations()
            .map(|(path, method, op)| {
                op.operation_id
                    .clone()
                    .unwrap_or_else(|| panic!("{method} {path} has no operationId"))
            })
            .collect();
        let unique: BTreeSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "operation ids repeat: {ids:?}");
        Self { json, spec }
    }

    /// Every operation as (METHOD, path).
    pub fn operations(&self) -> BTreeSet<(String, String)> {
        self.spec
            .operations()
            .map(|(path, method, _)| (method.to_string(), path))
            .collect()
    }
}

/// Every `$ref` of the document that does not point at a part of it.
fn dangling_refs(doc: &Value) -> Vec<String> {
    fn walk(node: &Value, doc: &Value, out: &mut Vec<String>) {
        match node {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    let resolves = target
                        .strip_prefix('#')
                        .is_some_and(|pointer| doc.pointer(pointer).is_some());
                    if !resolves {
                        out.push(target.clone());
                    }
                }
                map.values().for_each(|v| walk(v, doc, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, doc, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, doc, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_outside_the_document_or_to_nothing_are_dangling() {
        let doc = serde_json::json!({
            "components": {"schemas": {"A": {}}},
            "x": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}],
            "y": {"$ref": "other.json#/A"}
        });
        assert_eq!(
            dangling_refs(&doc),
            vec![
                "#/components/schemas/B".to_owned(),
                "other.json#/A".to_owned()
            ]
        );
    }
}
