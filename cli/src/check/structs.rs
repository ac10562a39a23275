//! Enums, value objects and entities: their variants and fields.

use super::*;

impl<'r, 'd> Checker<'r, 'd> {
    pub(super) fn enumeration(&mut self, raw: &RawEnum) -> Enum {
        let owner = format!("enum `{}`", raw.name.value);
        let names = raw.variants.iter().map(|(name, _)| name);
        let kept = names::type_names(names, "variant", &owner, self.diagnostics);
        let variants = raw
            .variants
            .iter()
            .filter(|(name, _)| kept.iter().any(|k| std::ptr::eq(*k, name)))
            .map(|(name, doc)| Variant {
                names: all_names(&name.value),
                doc: doc_lines(doc.as_ref()),
            })
            .collect();
        Enum {
            names: all_names(&raw.name.value),
            doc: doc_lines(raw.doc.as_ref()),
            variants,
        }
    }

    pub(super) fn value_objects(
        &mut self,
        declared: &BTreeMap<String, Declared>,
    ) -> Vec<ValueObject> {
        let resolver = Resolver {
            declared,
            aggregate: None,
        };
        self.raw
            .value_objects
            .iter()
            .map(|raw| {
                let owner = format!("value object `{}`", raw.name.value);
                self.structure(raw, &owner, &resolver)
            })
            .collect()
    }

    /// A value object or an entity; `owner` names it in messages.
    pub(super) fn structure(
        &mut self,
        raw: &RawStruct,
        owner: &str,
        resolver: &Resolver<'_>,
    ) -> ValueObject {
        ValueObject {
            names: all_names(&raw.name.value),
            doc: doc_lines(raw.doc.as_ref()),
            fields: fields::fields(&raw.fields, owner, resolver, self.diagnostics),
        }
    }
}
