//! HTTP routes and roles of commands and queries, and routes that collide.

use super::*;

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

    pub(super) fn http(
        &mut self,
        raw: &RawHttp,
        default_method: &str,
        default_path: &str,
        owner: &str,
    ) -> Http {
        let method = match &raw.method {
            Some(method) => {
                let upper = method.value.to_ascii_uppercase();
                if ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&upper.as_str()) {
                    upper
                } else {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::InvalidValue,
                            method.span.clone(),
                            format!("`{}` is not an HTTP method ({owner})", method.value),
                        )
                        .label("not GET, POST, PUT, PATCH or DELETE"),
                    );
                    default_method.to_owned()
                }
            }
            None => default_method.to_owned(),
        };
        let path = match &raw.path {
            Some(path) => {
                let valid_chars = path.value.chars().all(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '{' | '}' | '.')
                });
                if !path.value.starts_with('/')
                    || !valid_chars
                    || path.value.contains("..")
                    || path.value.contains("//")
                {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::InvalidValue,
                            path.span.clone(),
                            format!("`{}` is not a route path ({owner})", path.value),
                        )
                        .label("a path starts with `/` and uses letters, digits, `-`, `_`, `.` and `{param}`"),
                    );
                    default_path.to_owned()
                } else {
                    path.value.clone()
                }
            }
            None => default_path.to_owned(),
        };
        http_route(&method, &path)
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

/// `/orders/{id}/x` and `/orders/{order_id}/x` are the same route.
fn route_shape(path: &str) -> String {
    let mut shape = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                shape.push('{');
            }
            '}' => {
                in_param = false;
                shape.push('}');
            }
            _ if in_param => {}
            _ => shape.push(c),
        }
    }
    shape
}
