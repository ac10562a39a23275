//! HTTP routes and roles of commands and queries, and routes that collide.

use super::*;

/// The parameters a route path must have.
pub(super) enum Params {
    /// None, and why (`"it creates the aggregate"`).
    None(&'static str),
    /// One, and what it carries (`"the id of the order it acts on"`).
    One(String),
}

impl<'r, 'd> Checker<'r, 'd> {
    pub(super) fn roles(&mut self, roles: &[Sp<String>], owner: &str) -> Vec<String> {
        roles
            .iter()
            .filter_map(|role| {
                let ok = !role.value.is_empty()
                    && role.value.chars().all(|c| {
                        c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' || c == ':'
                    });
                if !ok {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::InvalidValue,
                            role.span.clone(),
                            format!("`{}` is not a role name ({owner})", role.value),
                        )
                        .label("letters, digits, `_`, `-`, `.` and `:` only"),
                    );
                }
                ok.then(|| role.value.clone())
            })
            .collect()
    }

    /// The route of a command or query: `raw` over the defaults, checked. The path has the
    /// parameters `params` says (the aggregate id or the read-model key, or none).
    pub(super) fn http(
        &mut self,
        raw: &RawHttp,
        default_method: &str,
        default_path: &str,
        params: &Params,
        owner: &str,
    ) -> Http {
        let method = match &raw.method {
            Some(method) => self
                .method(method, owner)
                .unwrap_or(default_method.to_owned()),
            None => default_method.to_owned(),
        };
        let path = match &raw.path {
            Some(path) => self
                .path(path, params, default_path, owner)
                .unwrap_or(default_path.to_owned()),
            None => default_path.to_owned(),
        };
        http_route(&method, &path)
    }

    fn method(&mut self, method: &Sp<String>, owner: &str) -> Option<String> {
        let upper = method.value.to_ascii_uppercase();
        if ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&upper.as_str()) {
            return Some(upper);
        }
        self.diagnostics.push(
            Diagnostic::new(
                Code::InvalidValue,
                method.span.clone(),
                format!("`{}` is not an HTTP method ({owner})", method.value),
            )
            .label("not GET, POST, PUT, PATCH or DELETE"),
        );
        None
    }

    fn path(
        &mut self,
        path: &Sp<String>,
        params: &Params,
        example: &str,
        owner: &str,
    ) -> Option<String> {
        let found = match path_params(&path.value) {
            Ok(found) => found,
            Err(problem) => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        path.span.clone(),
                        format!("`{}` is not a route path ({owner})", path.value),
                    )
                    .label(problem)
                    .help("a path starts with `/` and has segments of letters, digits, `-`, `_` and `.`, or a parameter such as `{id}`"),
                );
                return None;
            }
        };
        let (message, label, help) = match (params, found.len()) {
            (Params::None(_), 0) | (Params::One(_), 1) => return Some(path.value.clone()),
            (Params::None(why), _) => (
                format!("the path of {owner} takes no parameter: {why}"),
                "a parameter".to_owned(),
                format!("write it without `{{…}}`, as in `{example}`"),
            ),
            (Params::One(meaning), 0) => (
                format!("the path of {owner} needs a parameter for {meaning}"),
                "no parameter".to_owned(),
                format!("add one, as in `{example}`"),
            ),
            (Params::One(meaning), n) => (
                format!("the path of {owner} has {n} parameters, but only {meaning} fills one"),
                format!("{n} parameters"),
                format!("keep one, as in `{example}`"),
            ),
        };
        self.diagnostics.push(
            Diagnostic::new(Code::InvalidValue, path.span.clone(), message)
                .label(label)
                .help(help),
        );
        None
    }

    /// Two routes with the same method and path.
    pub(super) fn routes(&mut self, aggregates: &[Aggregate], read_models: &[ReadModel]) {
        let mut seen: BTreeMap<(String, String), String> = BTreeMap::new();
        let routes = aggregates
            .iter()
            .flat_map(|a| a.commands.iter().map(|c| (&c.http, c.names.name.clone())))
            .chain(
                read_models
                    .iter()
                    .flat_map(|r| r.queries.iter().map(|q| (&q.http, q.names.name.clone()))),
            );
        for (http, name) in routes {
            let shape = route_shape(&http.path);
            if let Some(other) = seen.insert((http.method.clone(), shape), name.clone()) {
                let span = self.message_span(&name);
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::DuplicateRoute,
                        span,
                        format!(
                            "`{name}` and `{other}` both answer {} {}",
                            http.method, http.path
                        ),
                    )
                    .label("same route")
                    .help("give one of them `http = { path = \"…\" }`"),
                );
            }
        }
    }

    /// The span of a command's or query's name, for messages about it.
    pub(super) fn message_span(&self, name: &str) -> std::ops::Range<usize> {
        if let Some((_, command)) = self.commands.get(name) {
            return command
                .http
                .as_ref()
                .and_then(|h| h.path.as_ref())
                .map_or_else(|| command.name.span.clone(), |p| p.span.clone());
        }
        self.raw
            .read_models
            .iter()
            .flat_map(|r| r.queries.iter())
            .find(|q| q.name.value == name)
            .map(|q| {
                q.http
                    .as_ref()
                    .and_then(|h| h.path.as_ref())
                    .map_or_else(|| q.name.span.clone(), |p| p.span.clone())
            })
            .unwrap_or_default()
    }
}

pub(crate) fn http_route(method: &str, path: &str) -> Http {
    Http {
        method: method.to_owned(),
        method_lower: method.to_ascii_lowercase(),
        path: path.to_owned(),
    }
}

/// The parameter names of a route path (`/orders/{order_id}/cook` → `order_id`), or what is
/// wrong with it. A parameter is a whole segment with a `snake_case` name.
fn path_params(path: &str) -> Result<Vec<&str>, &'static str> {
    let Some(rest) = path.strip_prefix('/') else {
        return Err("does not start with `/`");
    };
    let mut params = Vec::new();
    if rest.is_empty() {
        return Ok(params);
    }
    for segment in rest.split('/') {
        if let Some(inner) = segment.strip_prefix('{') {
            let name = inner.strip_suffix('}').ok_or("a `{` without its `}`")?;
            if !crate::names::is_snake(name) {
                return Err("a parameter is a snake_case name in braces, as in `{order_id}`");
            }
            if params.contains(&name) {
                return Err("the same parameter twice");
            }
            params.push(name);
            continue;
        }
        if segment.is_empty() {
            return Err("an empty segment (`//`) or a trailing `/`");
        }
        if segment == "." || segment == ".." {
            return Err("`.` and `..` are not segments");
        }
        let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if !segment.chars().all(plain) {
            return Err(
                "a segment has letters, digits, `-`, `_` and `.`; a parameter is a whole segment",
            );
        }
    }
    Ok(params)
}

/// `/orders/{id}/x` and `/orders/{order_id}/x` are the same route: parameters are matched by
/// position, whatever their names.
fn route_shape(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "{}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_with_parameters_in_the_same_places_are_one_route() {
        assert_eq!(
            route_shape("/orders/{id}/cook"),
            route_shape("/orders/{order_id}/cook")
        );
        assert_eq!(route_shape("/orders/{id}"), "/orders/{}");
        assert_ne!(route_shape("/orders/{id}"), route_shape("/orders/new"));
        assert_ne!(route_shape("/orders"), route_shape("/orders/{id}"));
        assert_eq!(route_shape("/orders"), "/orders");
    }

    #[test]
    fn path_parameters_are_whole_snake_case_segments() {
        assert_eq!(path_params("/orders"), Ok(vec![]));
        assert_eq!(path_params("/"), Ok(vec![]));
        assert_eq!(path_params("/orders/{order_id}/cook"), Ok(vec!["order_id"]));
        assert_eq!(path_params("/v1.2/a-b_c/{x}/{y}"), Ok(vec!["x", "y"]));
        for bad in [
            "orders",
            "/orders/{id",
            "/orders/{}",
            "/orders/{Id}",
            "/orders/x{id}",
            "/orders/{id}/{id}",
            "/orders//x",
            "/orders/",
            "/orders/../admin",
            "/orders/a b",
            "/orders/\"x\"",
        ] {
            assert!(path_params(bad).is_err(), "{bad} is accepted");
        }
    }
}
