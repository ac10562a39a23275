//! Field constraints (`#[validate(…)]`) shared by commands, queries and value objects: parsed
//! and checked against the field's type here, turned into one `validate()` that reports every
//! failure with its field path.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Field, Fields, Lit, LitStr, Member, Type};

use crate::attrs::{self, Runtime};
use crate::errors::Errors;

const RULES: &[&str] = &["length", "range", "items", "pattern", "email", "custom"];

/// What a field's type is, as far as its constraints care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Text,
    Number,
    Collection,
    Bool,
    /// A type the macro cannot classify; the compiler checks the constraint's trait bound.
    Unknown,
}

impl Shape {
    fn describe(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "a number",
            Self::Collection => "a collection",
            Self::Bool => "a bool",
            Self::Unknown => "of another type",
        }
    }
}

/// `Option<T>` → `Some(T)`.
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) => Some(inner),
        _ => None,
    }
}

fn shape(ty: &Type) -> Shape {
    match ty {
        Type::Reference(reference) => shape(&reference.elem),
        Type::Slice(_) | Type::Array(_) => Shape::Collection,
        Type::Path(path) => {
            let Some(last) = path.path.segments.last() else {
                return Shape::Unknown;
            };
            match last.ident.to_string().as_str() {
                "String" | "str" | "Cow" => Shape::Text,
                "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32" | "i64"
                | "i128" | "isize" | "f32" | "f64" | "Decimal" => Shape::Number,
                "Vec" | "VecDeque" | "HashMap" | "BTreeMap" | "HashSet" | "BTreeSet" => {
                    Shape::Collection
                }
                "bool" => Shape::Bool,
                _ => Shape::Unknown,
            }
        }
        _ => Shape::Unknown,
    }
}

fn is_primitive_number(ty: &Type) -> bool {
    let inner = option_inner(ty).unwrap_or(ty);
    matches!(inner, Type::Path(path) if path.path.segments.last().is_some_and(|s| {
        matches!(
            s.ident.to_string().as_str(),
            "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32" | "i64" | "i128"
                | "isize" | "f32" | "f64"
        )
    }))
}

fn is_float(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.path.segments.last().is_some_and(|s| s.ident == "f32" || s.ident == "f64"))
}

/// One constraint on one field.
enum Rule {
    Length { min: Option<Lit>, max: Option<Lit> },
    Range { min: Option<Lit>, max: Option<Lit> },
    Items { min: Option<Lit>, max: Option<Lit> },
    Pattern(LitStr),
    Email,
    Custom(syn::Path),
}

impl Rule {
    fn name(&self) -> &'static str {
        match self {
            Self::Length { .. } => "length",
            Self::Range { .. } => "range",
            Self::Items { .. } => "items",
            Self::Pattern(_) => "pattern",
            Self::Email => "email",
            Self::Custom(_) => "custom",
        }
    }

    /// The shapes the rule applies to; `None` for any.
    fn applies_to(&self) -> Option<Shape> {
        match self {
            Self::Length { .. } | Self::Pattern(_) | Self::Email => Some(Shape::Text),
            Self::Range { .. } => Some(Shape::Number),
            Self::Items { .. } => Some(Shape::Collection),
            Self::Custom(_) => None,
        }
    }

    fn instead(shape: Shape) -> &'static str {
        match shape {
            Shape::Text => "for text use `length(min = …, max = …)`, `pattern = \"…\"` or `email`",
            Shape::Number => "for numbers use `range(min = …, max = …)`",
            Shape::Collection => "for collections use `items(min = …, max = …)`",
            Shape::Bool | Shape::Unknown => "use `custom = function` for a rule of your own",
        }
    }
}

/// The constraints of one field.
pub(crate) struct FieldRules {
    member: Member,
    path: String,
    ty: Type,
    rules: Vec<(Span, Rule)>,
}

/// Reads `min = …, max = …` inside `length(…)`, `range(…)` or `items(…)`.
fn bounds(
    meta: &syn::meta::ParseNestedMeta,
    errors: &mut Errors,
) -> syn::Result<(Option<Lit>, Option<Lit>)> {
    let mut min = None;
    let mut max = None;
    meta.parse_nested_meta(|bound| {
        match attrs::resolve(errors, &bound, "bound", &["min", "max"]).as_str() {
            "min" => min = Some(bound.value()?.parse::<Lit>()?),
            "max" => max = Some(bound.value()?.parse::<Lit>()?),
            _ => attrs::skip_value(&bound)?,
        }
        Ok(())
    })?;
    if min.is_none() && max.is_none() {
        errors.at(
            &meta.path,
            "give at least one bound: `min = …`, `max = …` or both",
        );
    }
    Ok((min, max))
}

fn number(lit: &Lit) -> Option<f64> {
    match lit {
        Lit::Int(int) => int.base10_parse::<f64>().ok(),
        Lit::Float(float) => float.base10_parse::<f64>().ok(),
        _ => None,
    }
}

/// Checks that a bound is a number literal (and non-negative for counts) and min ≤ max.
fn check_bounds(
    errors: &mut Errors,
    rule: &str,
    min: &Option<Lit>,
    max: &Option<Lit>,
    counts: bool,
) {
    for lit in [min, max].into_iter().flatten() {
        match number(lit) {
            None => errors.at(lit, format!("`{rule}` bounds are number literals")),
            Some(value) if counts && (value < 0.0 || matches!(lit, Lit::Float(_))) => errors.at(
                lit,
                format!("`{rule}` counts, so its bounds are whole numbers of 0 or more"),
            ),
            Some(_) => {}
        }
    }
    if let (Some(low), Some(high)) = (min, max) {
        if let (Some(a), Some(b)) = (number(low), number(high)) {
            if a > b {
                errors.at(
                    high,
                    format!("`{rule}` has min {a} greater than max {b}: no value could pass"),
                );
            }
        }
    }
}

/// Parses every `#[validate(…)]` on `field` and checks each rule against the field's type.
fn field_rules(field: &Field, member: Member, errors: &mut Errors) -> FieldRules {
    let path = match &member {
        Member::Named(ident) => ident.to_string().trim_start_matches("r#").to_string(),
        Member::Unnamed(index) => index.index.to_string(),
    };
    let mut rules = Vec::new();
    for attr in field
        .attrs
        .iter()
        .filter(|attr| attrs::is(attr, "validate"))
    {
        let parsed = attr.parse_nested_meta(|meta| {
            let span = meta.path.span();
            let rule = match attrs::resolve(errors, &meta, "constraint", RULES).as_str() {
                "length" => {
                    let (min, max) = bounds(&meta, errors)?;
                    check_bounds(errors, "length", &min, &max, true);
                    Rule::Length { min, max }
                }
                "range" => {
                    let (min, max) = bounds(&meta, errors)?;
                    check_bounds(errors, "range", &min, &max, false);
                    Rule::Range { min, max }
                }
                "items" => {
                    let (min, max) = bounds(&meta, errors)?;
                    check_bounds(errors, "items", &min, &max, true);
                    Rule::Items { min, max }
                }
                "pattern" => {
                    let pattern: LitStr = meta.value()?.parse()?;
                    if let Err(error) = regex_lite::Regex::new(&pattern.value()) {
                        errors.at(&pattern, format!("invalid pattern: {error}"));
                    }
                    Rule::Pattern(pattern)
                }
                "email" => Rule::Email,
                "custom" => Rule::Custom(meta.value()?.parse()?),
                _ => return attrs::skip_value(&meta),
            };
            rules.push((span, rule));
            Ok(())
        });
        errors.ok(parsed);
    }
    let inner = option_inner(&field.ty).unwrap_or(&field.ty);
    let found = shape(inner);
    rules.retain(|(span, rule)| {
        let Some(wanted) = rule.applies_to() else {
            return true;
        };
        let fits = found == wanted || found == Shape::Unknown;
        if !fits {
            errors.at_span(
                *span,
                format!(
                    "`{}` applies to {}, but `{path}` is {} (`{}`); {}",
                    rule.name(),
                    wanted.describe(),
                    found.describe(),
                    inner.to_token_stream(),
                    Rule::instead(found)
                ),
            );
        }
        // A rule that does not fit is reported once and not generated, so the compiler
        // does not add its own type errors about the same mistake.
        fits
    });
    FieldRules {
        member,
        path,
        ty: field.ty.clone(),
        rules,
    }
}

/// The constraints of every field of a struct.
pub(crate) fn rules_of(fields: &Fields, errors: &mut Errors) -> Vec<FieldRules> {
    fields
        .iter()
        .enumerate()
        .map(|(index, field)| {
            let member = field
                .ident
                .clone()
                .map(Member::Named)
                .unwrap_or_else(|| Member::Unnamed(index.into()));
            let mut rules = field_rules(field, member, errors);
            if matches!(fields, Fields::Unnamed(_)) && fields.len() == 1 {
                "value".clone_into(&mut rules.path);
            }
            rules
        })
        .collect()
}

fn bound(lit: &Option<Lit>, ty: &Type, as_float: bool) -> TokenStream {
    match lit {
        None => quote!(::core::option::Option::None),
        // `Decimal` and other non-primitive numbers: parse the bound as text, so `0.01` is
        // exact and the type needs only `FromStr`. The literal was checked when written.
        Some(lit) if !is_primitive_number(ty) && number(lit).is_some() => {
            let text = match lit {
                Lit::Int(int) => int.base10_digits().to_owned(),
                Lit::Float(float) => float.base10_digits().to_owned(),
                _ => String::new(),
            };
            quote!(::core::str::FromStr::from_str(#text).ok())
        }
        Some(Lit::Int(int)) if as_float && is_float(ty) => {
            let float = syn::LitFloat::new(&format!("{}.0", int.base10_digits()), int.span());
            quote!(::core::option::Option::Some(#float))
        }
        Some(lit) => quote!(::core::option::Option::Some(#lit)),
    }
}

fn count(lit: &Option<Lit>) -> TokenStream {
    match lit {
        None => quote!(::core::option::Option::None),
        Some(Lit::Int(int)) => {
            let value = syn::LitInt::new(&format!("{}usize", int.base10_digits()), int.span());
            quote!(::core::option::Option::Some(#value))
        }
        Some(other) => quote!(::core::option::Option::Some(#other)),
    }
}

/// Statements that run every check of `field` on `source.member`, pushing into `checks`.
fn field_checks(field: &FieldRules, runtime: &Runtime, source: &TokenStream) -> TokenStream {
    if field.rules.is_empty() {
        return TokenStream::new();
    }
    let private = runtime.private();
    let member = &field.member;
    let path = &field.path;
    let optional = option_inner(&field.ty);
    let ty = optional.unwrap_or(&field.ty);
    let span = ty.span();
    let calls = field.rules.iter().map(|(_, rule)| match rule {
        Rule::Length { min, max } => {
            let (min, max) = (count(min), count(max));
            quote_spanned!(span=> checks.length(#path, ::core::convert::AsRef::<str>::as_ref(value), #min, #max);)
        }
        Rule::Range { min, max } => {
            let (min, max) = (bound(min, ty, true), bound(max, ty, true));
            quote_spanned!(span=> checks.range(#path, value, #min, #max);)
        }
        Rule::Items { min, max } => {
            let (min, max) = (count(min), count(max));
            quote_spanned!(span=> checks.items(#path, value, #min, #max);)
        }
        Rule::Pattern(pattern) => quote_spanned!(span=> {
            static PATTERN: #private::Pattern = #private::Pattern::new(#pattern);
            checks.pattern(#path, ::core::convert::AsRef::<str>::as_ref(value), &PATTERN);
        }),
        Rule::Email => {
            quote_spanned!(span=> checks.email(#path, ::core::convert::AsRef::<str>::as_ref(value));)
        }
        Rule::Custom(function) => quote_spanned!(function.span()=> checks.custom(#path, #function(value));),
    });
    let calls: Vec<TokenStream> = calls.collect();
    if optional.is_some() {
        quote! {
            if let ::core::option::Option::Some(value) = &#source.#member {
                #(#calls)*
            }
        }
    } else {
        quote! {{
            let value = &#source.#member;
            #(#calls)*
        }}
    }
}

/// The body of `validate(&self)`: every check of every field, then all failures at once.
pub(crate) fn validate_body(fields: &[FieldRules], runtime: &Runtime) -> TokenStream {
    let private = runtime.private();
    let source = quote!(self);
    let checks: Vec<TokenStream> = fields
        .iter()
        .map(|field| field_checks(field, runtime, &source))
        .collect();
    if checks.iter().all(TokenStream::is_empty) {
        return quote!(::core::result::Result::Ok(()));
    }
    quote! {
        let mut checks = #private::Checks::new();
        #(#checks)*
        checks.finish()
    }
}

/// Whether any field has a constraint.
pub(crate) fn any(fields: &[FieldRules]) -> bool {
    fields.iter().any(|field| !field.rules.is_empty())
}
