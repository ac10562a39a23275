//! Value objects and entities that contain themselves, directly or through others: a type
//! without end. Each cycle is reported once, at the field of its first type in spec order.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::diagnostic::{Code, Diagnostic};
use crate::spec::raw::{RawField, RawSpec};

use super::types::mentioned;
use super::Checker;

/// A value object or an entity, as a node of the containment graph.
struct Node<'a> {
    name: &'a str,
    /// The aggregate of an entity; `None` for a value object.
    aggregate: Option<&'a str>,
    fields: &'a [RawField],
}

/// A cycle: the types in order, back to the first, and the field of the first that starts it.
#[derive(Debug)]
struct Cycle<'a> {
    path: Vec<&'a str>,
    field: &'a RawField,
}

fn nodes(raw: &RawSpec) -> Vec<Node<'_>> {
    let value_objects = raw.value_objects.iter().map(|vo| Node {
        name: &vo.name.value,
        aggregate: None,
        fields: &vo.fields,
    });
    let entities = raw.aggregates.iter().flat_map(|aggregate| {
        aggregate.entities.iter().map(|entity| Node {
            name: &entity.name.value,
            aggregate: Some(aggregate.name.as_str()),
            fields: &entity.fields,
        })
    });
    value_objects.chain(entities).collect()
}

/// For each node (by index), the nodes its fields contain, each with the field. A value object
/// is visible everywhere, an entity only in its own aggregate (other uses are type errors).
fn edges<'a>(nodes: &[Node<'a>]) -> Vec<Vec<(usize, &'a RawField)>> {
    let index: BTreeMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (n.name, i)).collect();
    nodes
        .iter()
        .map(|node| {
            let mut out = Vec::new();
            for field in node.fields {
                for name in mentioned(&field.ty.value) {
                    let Some(&target) = index.get(name.as_str()) else {
                        continue;
                    };
                    let visible = match nodes[target].aggregate {
                        None => true,
                        owner => owner == node.aggregate,
                    };
                    if visible && !out.iter().any(|(t, _)| *t == target) {
                        out.push((target, field));
                    }
                }
            }
            out
        })
        .collect()
}

/// The shortest cycle through `start`, as node indices from `start` back to it.
fn shortest_cycle(start: usize, edges: &[Vec<(usize, &RawField)>]) -> Option<Vec<usize>> {
    let mut parent: BTreeMap<usize, usize> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(at) = queue.pop_front() {
        for &(next, _) in &edges[at] {
            if next == start {
                // Walk back from `at` to `start`, then read the walk forwards.
                let mut path = vec![at];
                let mut node = at;
                while let Some(&previous) = parent.get(&node) {
                    path.push(previous);
                    node = previous;
                }
                path.reverse();
                path.push(start);
                return Some(path);
            }
            if next != start && !parent.contains_key(&next) {
                parent.insert(next, at);
                queue.push_back(next);
            }
        }
    }
    None
}

/// Every distinct cycle, each once, starting at its first node in spec order.
fn cycles<'a>(nodes: &[Node<'a>]) -> Vec<Cycle<'a>> {
    let edges = edges(nodes);
    let mut seen: BTreeSet<Vec<usize>> = BTreeSet::new();
    let mut found = Vec::new();
    for start in 0..nodes.len() {
        let Some(path) = shortest_cycle(start, &edges) else {
            continue;
        };
        let ring = &path[..path.len() - 1];
        let first = ring
            .iter()
            .enumerate()
            .min_by_key(|(_, node)| **node)
            .map_or(0, |(at, _)| at);
        let mut canonical: Vec<usize> = ring[first..]
            .iter()
            .chain(&ring[..first])
            .copied()
            .collect();
        if !seen.insert(canonical.clone()) {
            continue;
        }
        let second = canonical.get(1).copied().unwrap_or(canonical[0]);
        let Some(&(_, field)) = edges[canonical[0]].iter().find(|(t, _)| *t == second) else {
            continue;
        };
        canonical.push(canonical[0]);
        found.push(Cycle {
            path: canonical.iter().map(|&i| nodes[i].name).collect(),
            field,
        });
    }
    found
}

impl Checker<'_, '_> {
    /// Reports every value object or entity that contains itself.
    pub(super) fn containment_cycles(&mut self) {
        let nodes = nodes(self.raw);
        for cycle in cycles(&nodes) {
            let name = cycle.path[0];
            let kind = match nodes.iter().find(|n| n.name == name) {
                Some(Node {
                    aggregate: Some(_), ..
                }) => "entity",
                _ => "value object",
            };
            let next = cycle.path[1];
            let label = if next == name {
                format!("`{name}` inside `{name}`")
            } else {
                format!("`{next}` leads back to `{name}`")
            };
            self.diagnostics.push(
                Diagnostic::new(
                    Code::RecursiveType,
                    cycle.field.ty.span.clone(),
                    format!(
                        "{kind} `{name}` contains itself: {}",
                        cycle.path.join(" → ")
                    ),
                )
                .label(label)
                .help("break the cycle; to link things of one kind, make them an aggregate and refer to it by id")
                .focus(next),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::raw::Sp;

    fn field(ty: &str) -> RawField {
        RawField {
            name: Sp::new("f".to_owned(), 0..1),
            ty: Sp::new(ty.to_owned(), 0..1),
            doc: None,
            required: None,
            min_len: None,
            max_len: None,
            pattern: None,
            email: None,
            min: None,
            max: None,
            min_items: None,
            max_items: None,
            example: None,
        }
    }

    fn paths(graph: &[(&'static str, Option<&'static str>, Vec<RawField>)]) -> Vec<String> {
        let nodes: Vec<Node<'_>> = graph
            .iter()
            .map(|(name, aggregate, fields)| Node {
                name,
                aggregate: *aggregate,
                fields,
            })
            .collect();
        cycles(&nodes).iter().map(|c| c.path.join(">")).collect()
    }

    #[test]
    fn direct_and_indirect_cycles_are_found_once() {
        let graph = [
            ("Node", None, vec![field("Option<Node>")]),
            ("A", None, vec![field("B")]),
            ("B", None, vec![field("Vec<C>")]),
            ("C", None, vec![field("Map<String, A>"), field("String")]),
            ("Leaf", None, vec![field("A")]),
        ];
        assert_eq!(paths(&graph), ["Node>Node", "A>B>C>A"]);
    }

    #[test]
    fn the_shortest_cycle_of_each_type_is_reported() {
        // A ↔ B and B inside itself: two mistakes, two cycles.
        let graph = [
            ("A", None, vec![field("B")]),
            ("B", None, vec![field("A"), field("Option<B>")]),
        ];
        assert_eq!(paths(&graph), ["A>B>A", "B>B"]);
    }

    #[test]
    fn entities_only_see_their_own_aggregate() {
        let graph = [
            ("Line", Some("Order"), vec![field("Option<Line>")]),
            ("Part", Some("Order"), vec![field("Vec<Piece>")]),
            ("Piece", Some("Invoice"), vec![field("Part")]),
            ("Wrapper", None, vec![field("Line")]),
        ];
        // `Piece` is not visible from `Part` (another aggregate), nor `Line` from a value object.
        assert_eq!(paths(&graph), ["Line>Line"]);
    }

    #[test]
    fn no_cycle_no_report() {
        let graph = [
            ("Address", None, vec![field("String")]),
            (
                "Customer",
                None,
                vec![field("Address"), field("Vec<Address>")],
            ),
        ];
        assert!(paths(&graph).is_empty());
    }
}
