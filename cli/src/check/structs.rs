//! Enums, value objects and entities: their variants and fields, and value objects that
//! contain themselves.

use super::*;

impl<'r, 'd> Checker<'r, 'd> {
    pub(super) fn enumeration(&mut self, raw: &RawEnum) -> Enum {
        let mut seen = BTreeSet::new();
        let variants = raw
            .variants
            .iter()
            .filter_map(|(name, doc)| {
                names::check_type_name(
                    name,
                    &format!("variant of enum `{}`", raw.name.value),
                    self.diagnostics,
                );
                if !seen.insert(name.value.clone()) {
                    self.diagnostics.push(duplicate(
                        name,
                        "variant",
                        &format!("enum `{}`", raw.name.value),
                    ));
                    return None;
                }
                Some(Variant {
                    names: all_names(&name.value),
                    doc: doc_lines(doc.as_ref()),
                })
            })
            .collect::<Vec<_>>();
        names::case_collisions(
            raw.variants.iter().map(|(n, _)| n),
            "variant",
            self.diagnostics,
        );
        if raw.variants.is_empty() {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    raw.variants_span.clone(),
                    format!("enum `{}` has no variants", raw.name.value),
                )
                .label("empty"),
            );
        }
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
        let objects: Vec<ValueObject> = self
            .raw
            .value_objects
            .iter()
            .map(|raw| self.structure(raw, "value object", &resolver))
            .collect();
        self.containment_cycles();
        objects
    }

    pub(super) fn structure(
        &mut self,
        raw: &RawStruct,
        kind: &str,
        resolver: &Resolver<'_>,
    ) -> ValueObject {
        let owner = format!("{kind} `{}`", raw.name.value);
        let fields = raw
            .fields
            .iter()
            .filter_map(|f| fields::field(f, &owner, resolver, self.diagnostics))
            .collect();
        names::case_collisions(
            raw.fields.iter().map(|f| &f.name),
            "field",
            self.diagnostics,
        );
        ValueObject {
            names: all_names(&raw.name.value),
            doc: doc_lines(raw.doc.as_ref()),
            fields,
        }
    }

    /// A value object that contains itself, directly or through other value objects.
    pub(super) fn containment_cycles(&mut self) {
        let edges: BTreeMap<&str, Vec<(&str, &RawField)>> = self
            .raw
            .value_objects
            .iter()
            .map(|vo| {
                let targets = vo
                    .fields
                    .iter()
                    .flat_map(|field| {
                        types::mentioned(&field.ty.value)
                            .into_iter()
                            .filter_map(|name| {
                                self.raw
                                    .value_objects
                                    .iter()
                                    .find(|other| other.name.value == name)
                                    .map(|other| (other.name.value.as_str(), field))
                            })
                            .collect::<Vec<_>>()
                    })
                    .collect();
                (vo.name.value.as_str(), targets)
            })
            .collect();
        for vo in &self.raw.value_objects {
            // Depth-first search for a path back to `vo`, reported at its first field.
            let start = vo.name.value.as_str();
            let mut stack: Vec<(&str, Vec<&str>, Option<&RawField>)> =
                vec![(start, vec![start], None)];
            let mut visited = BTreeSet::new();
            while let Some((at, path, first)) = stack.pop() {
                for (next, field) in edges.get(at).into_iter().flatten() {
                    let first = first.or(Some(*field));
                    if *next == start {
                        let mut cycle = path.clone();
                        cycle.push(start);
                        if let Some(field) = first {
                            self.diagnostics.push(
                                Diagnostic::new(
                                    Code::RecursiveType,
                                    field.ty.span.clone(),
                                    format!("value object `{start}` contains itself: {}", cycle.join(" → ")),
                                )
                                .label("leads back to itself")
                                .help("a value object cannot contain itself; refer to an aggregate by id instead"),
                            );
                        }
                        stack.clear();
                        break;
                    }
                    if visited.insert(*next) {
                        let mut longer = path.clone();
                        longer.push(next);
                        stack.push((next, longer, first));
                    }
                }
            }
        }
    }
}
