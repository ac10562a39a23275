//! Field types: parsing the spec's type strings and resolving them against declared names.

use std::collections::BTreeMap;

use crate::model::{Type, TypeKind};

/// A parsed type expression: `Name` or `Name<Arg, …>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TypeExpr {
    pub(crate) name: String,
    pub(crate) args: Vec<TypeExpr>,
}

/// Parses `Vec<Option<Address>>`. `None` when the text is not a type expression.
pub(crate) fn parse(text: &str) -> Option<TypeExpr> {
    let mut parser = Parser {
        chars: text.chars().filter(|c| !c.is_whitespace()).collect(),
        at: 0,
    };
    let expr = parser.expr()?;
    (parser.at == parser.chars.len()).then_some(expr)
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn expr(&mut self) -> Option<TypeExpr> {
        let start = self.at;
        while self
            .chars
            .get(self.at)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
        {
            self.at += 1;
        }
        if self.at == start {
            return None;
        }
        let name: String = self.chars[start..self.at].iter().collect();
        let mut args = Vec::new();
        if self.chars.get(self.at) == Some(&'<') {
            self.at += 1;
            loop {
                args.push(self.expr()?);
                match self.chars.get(self.at) {
                    Some(',') => self.at += 1,
                    Some('>') => {
                        self.at += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        Some(TypeExpr { name, args })
    }
}

/// What a declared name is, for resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Declared {
    /// An enum, with its variants.
    Enum(Vec<String>),
    ValueObject,
    /// An entity of the named aggregate.
    Entity(String),
    /// The typed id of the named aggregate, with its inner kind.
    Id {
        copy: bool,
    },
    /// An aggregate: never a field type.
    Aggregate,
}

/// Why a type did not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TypeError {
    /// Not a type expression at all.
    Malformed,
    /// A name nobody declared.
    Unknown(String),
    /// An aggregate used by value.
    Aggregate(String),
    /// An entity of another aggregate.
    ForeignEntity { entity: String, owner: String },
    /// `Option`/`Vec`/`Map` with the wrong number of arguments, or a map key that is not `String`.
    Arity(String),
}

/// Resolves types for one aggregate (or none, for value objects and read models).
pub(crate) struct Resolver<'a> {
    pub(crate) declared: &'a BTreeMap<String, Declared>,
    /// The aggregate whose entities are visible.
    pub(crate) aggregate: Option<&'a str>,
}

const BUILTINS: &[&str] = &[
    "String", "bool", "i32", "i64", "u32", "u64", "f64", "Decimal", "Date", "Time", "DateTime",
    "Uuid", "Option", "Vec", "Map",
];

impl Resolver<'_> {
    /// Every name a type could be, for "did you mean".
    pub(crate) fn candidates(&self) -> Vec<&str> {
        let mut names: Vec<&str> = BUILTINS.to_vec();
        names.extend(
            self.declared
                .iter()
                .filter(|(_, d)| !matches!(d, Declared::Aggregate))
                .map(|(name, _)| name.as_str()),
        );
        names
    }

    /// The variants of the enum `name`, if it is one.
    pub(crate) fn variants(&self, name: &str) -> Option<&[String]> {
        match self.declared.get(name) {
            Some(Declared::Enum(variants)) => Some(variants),
            _ => None,
        }
    }

    /// Resolves `text`.
    pub(crate) fn resolve(&self, text: &str) -> Result<Type, TypeError> {
        let expr = parse(text).ok_or(TypeError::Malformed)?;
        self.resolve_expr(&expr)
    }

    fn resolve_expr(&self, expr: &TypeExpr) -> Result<Type, TypeError> {
        let scalar = |rust: &str, kind: TypeKind, copy: bool| -> Result<Type, TypeError> {
            if !expr.args.is_empty() {
                return Err(TypeError::Arity(format!(
                    "`{}` takes no type arguments",
                    expr.name
                )));
            }
            Ok(Type {
                spec: expr.name.clone(),
                rust: rust.to_owned(),
                kind,
                has_default: true,
                is_copy: copy,
                is_scalar: true,
            })
        };
        match expr.name.as_str() {
            "String" => scalar("String", TypeKind::String, false),
            "bool" => scalar("bool", TypeKind::Bool, true),
            "i32" | "i64" | "u32" | "u64" => scalar(&expr.name, TypeKind::Integer, true),
            "f64" => scalar("f64", TypeKind::Float, true),
            "Decimal" => scalar("Decimal", TypeKind::Decimal, true),
            "Date" => scalar("NaiveDate", TypeKind::Time, true),
            "Time" => scalar("NaiveTime", TypeKind::Time, true),
            "DateTime" => scalar("DateTime<Utc>", TypeKind::Time, true),
            "Uuid" => scalar("Uuid", TypeKind::Uuid, true),
            "Option" | "Vec" => {
                let [inner] = expr.args.as_slice() else {
                    return Err(TypeError::Arity(format!(
                        "`{}` takes one type argument, as in `{}<String>`",
                        expr.name, expr.name
                    )));
                };
                let inner = self.resolve_expr(inner)?;
                let option = expr.name == "Option";
                Ok(Type {
                    spec: format!("{}<{}>", expr.name, inner.spec),
                    rust: format!("{}<{}>", expr.name, inner.rust),
                    kind: if option {
                        TypeKind::Option
                    } else {
                        TypeKind::List
                    },
                    has_default: true,
                    is_copy: option && inner.is_copy,
                    is_scalar: false,
                })
            }
            "Map" => {
                let [key, value] = expr.args.as_slice() else {
                    return Err(TypeError::Arity(
                        "`Map` takes a key and a value type, as in `Map<String, u32>`".to_owned(),
                    ));
                };
                if key.name != "String" || !key.args.is_empty() {
                    return Err(TypeError::Arity(
                        "`Map` keys must be `String`, as in `Map<String, u32>`".to_owned(),
                    ));
                }
                let value = self.resolve_expr(value)?;
                Ok(Type {
                    spec: format!("Map<String, {}>", value.spec),
                    rust: format!("BTreeMap<String, {}>", value.rust),
                    kind: TypeKind::Map,
                    has_default: true,
                    is_copy: false,
                    is_scalar: false,
                })
            }
            name => {
                if !expr.args.is_empty() {
                    return Err(TypeError::Arity(format!(
                        "`{name}` takes no type arguments"
                    )));
                }
                let declared = self
                    .declared
                    .get(name)
                    .ok_or_else(|| TypeError::Unknown(name.to_owned()))?;
                let (kind, has_default, copy, scalar) = match declared {
                    Declared::Enum(_) => (TypeKind::Enum, true, true, true),
                    Declared::ValueObject => (TypeKind::ValueObject, false, false, false),
                    Declared::Entity(owner) => {
                        if self.aggregate != Some(owner.as_str()) {
                            return Err(TypeError::ForeignEntity {
                                entity: name.to_owned(),
                                owner: owner.clone(),
                            });
                        }
                        (TypeKind::Entity, false, false, false)
                    }
                    Declared::Id { copy } => (TypeKind::Id, true, *copy, true),
                    Declared::Aggregate => return Err(TypeError::Aggregate(name.to_owned())),
                };
                Ok(Type {
                    spec: name.to_owned(),
                    rust: name.to_owned(),
                    kind,
                    has_default,
                    is_copy: copy,
                    is_scalar: scalar,
                })
            }
        }
    }
}

/// The named types a type mentions, outside `Vec` and `Map` included (for containment cycles).
pub(crate) fn mentioned(text: &str) -> Vec<String> {
    fn walk(expr: &TypeExpr, out: &mut Vec<String>) {
        out.push(expr.name.clone());
        for arg in &expr.args {
            walk(arg, out);
        }
    }
    let mut out = Vec::new();
    if let Some(expr) = parse(text) {
        walk(&expr, &mut out);
    }
    out
}

/// The innermost type under `Option`.
pub(crate) fn without_option(ty: &Type) -> &str {
    ty.spec
        .strip_prefix("Option<")
        .and_then(|rest| rest.strip_suffix('>'))
        .unwrap_or(&ty.spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared() -> BTreeMap<String, Declared> {
        BTreeMap::from([
            ("Address".to_owned(), Declared::ValueObject),
            ("Size".to_owned(), Declared::Enum(vec!["Small".to_owned()])),
            ("OrderId".to_owned(), Declared::Id { copy: true }),
            ("Order".to_owned(), Declared::Aggregate),
            ("OrderItem".to_owned(), Declared::Entity("Order".to_owned())),
        ])
    }

    #[test]
    fn resolves_nested_types() {
        let declared = declared();
        let resolver = Resolver {
            declared: &declared,
            aggregate: Some("Order"),
        };
        let ty = resolver
            .resolve("Vec< Option<Address> >")
            .expect("resolves");
        assert_eq!(ty.rust, "Vec<Option<Address>>");
        assert_eq!(ty.kind, TypeKind::List);
        let map = resolver.resolve("Map<String, Decimal>").expect("resolves");
        assert_eq!(map.rust, "BTreeMap<String, Decimal>");
        assert_eq!(
            resolver.resolve("DateTime").map(|t| t.rust).as_deref(),
            Ok("DateTime<Utc>")
        );
        assert!(resolver.resolve("Vec<OrderItem>").is_ok());
        assert!(!resolver.resolve("Address").expect("resolves").has_default);
    }

    #[test]
    fn reports_what_is_wrong() {
        let declared = declared();
        let resolver = Resolver {
            declared: &declared,
            aggregate: None,
        };
        assert_eq!(
            resolver.resolve("Adress"),
            Err(TypeError::Unknown("Adress".into()))
        );
        assert_eq!(
            resolver.resolve("Order"),
            Err(TypeError::Aggregate("Order".into()))
        );
        assert!(matches!(
            resolver.resolve("Vec<OrderItem>"),
            Err(TypeError::ForeignEntity { .. })
        ));
        assert!(matches!(
            resolver.resolve("Map<u32, String>"),
            Err(TypeError::Arity(_))
        ));
        assert!(matches!(
            resolver.resolve("Vec<"),
            Err(TypeError::Malformed)
        ));
        assert!(matches!(resolver.resolve("Vec"), Err(TypeError::Arity(_))));
    }
}
