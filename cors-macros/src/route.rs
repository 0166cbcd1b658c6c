//! Reading actix-web's routing attributes (`#[get]`, …, `#[route]`,
//! `#[routes]`) off the handler, the way actix-web-codegen 4 reads them, so
//! `#[cors]` can register the same resources with its layer around them.
//!
//! The checks and messages mirror actix-web-codegen 4.5's `route.rs`: a
//! routing attribute `#[cors]` accepts is one actix accepts, and the other
//! way round.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ExprLit, ItemFn, Lit, LitStr, MetaNameValue, Path, Token};

use crate::errors::Errors;

/// actix-web-codegen's method attributes: (attribute, guard function, method).
const METHODS: [(&str, &str, &str); 10] = [
    ("connect", "Connect", "CONNECT"),
    ("delete", "Delete", "DELETE"),
    ("get", "Get", "GET"),
    ("head", "Head", "HEAD"),
    ("options", "Options", "OPTIONS"),
    ("patch", "Patch", "PATCH"),
    ("post", "Post", "POST"),
    ("put", "Put", "PUT"),
    ("query", "Query", "QUERY"),
    ("trace", "Trace", "TRACE"),
];

/// One HTTP method a resource is guarded by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    /// A method with a guard function in `actix_web::guard` (e.g. `Get`).
    Standard {
        guard: &'static str,
        name: &'static str,
    },
    /// Another upper-case method, such as `PURGE`.
    Custom(LitStr),
}

impl Method {
    fn from_attribute(attr: &str) -> Option<Method> {
        METHODS
            .iter()
            .find(|(a, _, _)| *a == attr)
            .map(|&(_, guard, name)| Method::Standard { guard, name })
    }

    /// Reads `method = "…"` as actix does: a standard method in upper case,
    /// or any other all-upper-case name.
    fn from_lit(lit: &LitStr) -> syn::Result<Method> {
        let value = lit.value();
        if let Some(&(_, guard, name)) = METHODS.iter().find(|(_, _, n)| *n == value) {
            return Ok(Method::Standard { guard, name });
        }
        if value.is_empty() {
            return Err(syn::Error::new_spanned(lit, "HTTP method cannot be empty"));
        }
        if value.chars().all(|c| c.is_ascii_uppercase()) {
            return Ok(Method::Custom(lit.clone()));
        }
        Err(syn::Error::new_spanned(
            lit,
            format!("HTTP method must be uppercase: `{value}`"),
        ))
    }

    /// The method as sent on the wire, e.g. `GET`.
    pub(crate) fn name(&self) -> String {
        match self {
            Method::Standard { name, .. } => (*name).to_owned(),
            Method::Custom(lit) => lit.value(),
        }
    }
}

/// One routing attribute: a resource at one path.
#[derive(Debug)]
pub(crate) struct Route {
    pub(crate) path: LitStr,
    /// `name = "…"`; actix defaults it to the function's name.
    pub(crate) name: Option<LitStr>,
    /// `guard = "…"`, each a path to a `fn(&GuardContext) -> bool`.
    pub(crate) guards: Vec<Path>,
    /// `wrap = "…"`, each a middleware expression.
    pub(crate) wrappers: Vec<Expr>,
    /// At least one; in source order, without repeats.
    pub(crate) methods: Vec<Method>,
}

/// What kind of routing attribute an attribute is, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    Method(Method),
    Route,
    Routes,
    Cors,
}

/// `get`, `actix_web::get` or `::actix_web::get` (and so on).
fn kind(attr: &Attribute) -> Option<Kind> {
    let path = attr.path();
    let ident = match path.segments.len() {
        1 if path.leading_colon.is_none() => &path.segments[0].ident,
        2 if path.segments[0].ident == "actix_web" => &path.segments[1].ident,
        2 if path.segments[0].ident == "cors_actix" || path.segments[0].ident == "cors_macros" => {
            return (path.segments[1].ident == "cors").then_some(Kind::Cors);
        }
        _ => return None,
    };
    let name = ident.to_string();
    match name.as_str() {
        "route" => Some(Kind::Route),
        "routes" => Some(Kind::Routes),
        "cors" if path.segments.len() == 1 => Some(Kind::Cors),
        _ => Method::from_attribute(&name).map(Kind::Method),
    }
}

const MISSING: &str = "`#[cors(...)]` goes above the handler's routing attribute \
    (`#[get(\"/path\")]`, `#[post]`, `#[put]`, `#[patch]`, `#[delete]`, `#[head]`, `#[route]` \
    or `#[routes]`), and there is none below it; if it is above `#[cors]`, swap them: the upper \
    attribute runs first, and once actix-web has made the handler a service, `#[cors]` cannot \
    add its preflight route and layer";

/// The paths of the routing attributes on `func` that the compiler would
/// resolve (`get`, `actix_web::post`, `routes`, …), each once, so the
/// expansion can name them: `#[cors]` takes them off before the compiler
/// resolves them, which would otherwise leave the user's
/// `use actix_web::get;` unused. Under `#[routes]` only `routes` is resolved
/// (actix-web's own `#[routes]` reads the method attributes as plain tokens,
/// so they need no import).
pub(crate) fn routing_paths(func: &ItemFn) -> Vec<Path> {
    let under_routes = func.attrs.iter().any(|a| kind(a) == Some(Kind::Routes));
    let mut paths: Vec<Path> = Vec::new();
    for attr in &func.attrs {
        match kind(attr) {
            None | Some(Kind::Cors) => continue,
            Some(Kind::Method(_)) if under_routes => continue,
            Some(_) => {}
        }
        if !paths.iter().any(|p| p == attr.path()) {
            paths.push(attr.path().clone());
        }
    }
    paths
}

/// Takes the routing attributes off `func` and reads them. `None` (with the
/// reasons in `errors`) when there is none or one cannot be read; the
/// routing attributes are removed either way.
pub(crate) fn take_routes(func: &mut ItemFn, errors: &mut Errors) -> Option<Vec<Route>> {
    let mut routing = Vec::new();
    let mut other = Vec::new();
    for attr in std::mem::take(&mut func.attrs) {
        match kind(&attr) {
            Some(kind) => routing.push((kind, attr)),
            None => other.push(attr),
        }
    }
    func.attrs = other;

    let mut found: Vec<syn::Error> = Vec::new();

    for (_, attr) in routing.iter().filter(|(k, _)| *k == Kind::Cors) {
        found.push(syn::Error::new_spanned(
            attr,
            "only one `#[cors(...)]` per handler: merge its keys into the first",
        ));
    }
    let routing: Vec<_> = routing
        .into_iter()
        .filter(|(k, _)| *k != Kind::Cors)
        .collect();
    let under_routes = routing.iter().any(|(k, _)| *k == Kind::Routes);

    let mut routes = Vec::new();
    let mut seen_routes = false;
    for (kind, attr) in &routing {
        match kind {
            Kind::Routes => {
                if seen_routes {
                    found.push(syn::Error::new_spanned(attr, "`#[routes]` is given twice"));
                }
                seen_routes = true;
            }
            Kind::Route if under_routes => found.push(syn::Error::new_spanned(
                attr,
                "`#[route]` cannot be used under `#[routes]`; give each route as \
                 `#[get(\"/path\")]`, `#[post(\"/path\")]`, …",
            )),
            Kind::Route | Kind::Method(_) if !under_routes && !routes.is_empty() => {
                found.push(syn::Error::new_spanned(
                    attr,
                    "several routing attributes on one handler need `#[routes]` above them \
                     (below `#[cors(...)]`), as actix-web requires",
                ))
            }
            Kind::Route => match parse_route(attr, None) {
                Ok(route) => routes.push(route),
                Err(e) => found.push(e),
            },
            Kind::Method(method) => match parse_route(attr, Some(method.clone())) {
                Ok(route) => routes.push(route),
                Err(e) => found.push(e),
            },
            Kind::Cors => {}
        }
    }

    if routing.is_empty() {
        found.push(syn::Error::new(Span::call_site(), MISSING));
    } else if under_routes && routes.is_empty() && found.is_empty() {
        found.push(syn::Error::new(
            Span::call_site(),
            "`#[routes]` needs at least one `#[<method>(\"/path\")]` attribute below it, such as \
             `#[get(\"/path\")]`",
        ));
    }
    if matches!(func.sig.output, syn::ReturnType::Default) && !routing.is_empty() {
        found.push(syn::Error::new_spanned(
            &func.sig,
            "Function has no return type. Cannot be used as handler",
        ));
    }
    let ok = found.is_empty();
    for error in found {
        errors.push(error);
    }
    ok.then_some(routes)
}

/// The path (or paths, joined) the handler is registered at, as error
/// messages and `cors-actix` name it.
pub(crate) fn joined_paths(routes: &[Route]) -> String {
    let mut paths: Vec<String> = Vec::new();
    for route in routes {
        let path = route.path.value();
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    paths.join(", ")
}

/// Parses `("/path", name = "…", guard = "…", wrap = "…", method = "…")`
/// exactly as actix-web-codegen's `RouteArgs` and `Args::new` do.
fn parse_route(attr: &Attribute, method: Option<Method>) -> syn::Result<Route> {
    let syn::Meta::List(list) = &attr.meta else {
        let name = attr
            .path()
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        return Err(syn::Error::new_spanned(
            attr,
            format!("invalid service definition, expected #[{name}(\"<path>\")]"),
        ));
    };
    let (path, options) = (|input: ParseStream<'_>| {
        let path = input.parse::<LitStr>().map_err(|mut err| {
            err.combine(syn::Error::new(
                err.span(),
                r#"invalid service definition, expected #[<method>("<path>")]"#,
            ));
            err
        })?;
        if !input.peek(Token![,]) {
            return Ok((path, Punctuated::new()));
        }
        input.parse::<Token![,]>()?;
        if input.cursor().literal().is_some() {
            return Err(syn::Error::new(
                input.span(),
                "Multiple paths specified! There should be only one.",
            ));
        }
        let options = input.parse_terminated(<MetaNameValue as Parse>::parse, Token![,])?;
        Ok((path, options))
    })
    .parse2(list.tokens.clone())?;

    let is_route_macro = method.is_none();
    let mut route = Route {
        path,
        name: None,
        guards: Vec::new(),
        wrappers: Vec::new(),
        methods: method.into_iter().collect(),
    };
    for nv in options {
        let lit = match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            }) => Some(lit),
            _ => None,
        };
        if nv.path.is_ident("name") {
            let lit = lit.ok_or_else(|| {
                syn::Error::new_spanned(&nv.value, "Attribute name expects literal string")
            })?;
            route.name = Some(lit.clone());
        } else if nv.path.is_ident("guard") {
            let lit = lit.ok_or_else(|| {
                syn::Error::new_spanned(&nv.value, "Attribute guard expects literal string")
            })?;
            route.guards.push(lit.parse::<Path>()?);
        } else if nv.path.is_ident("wrap") {
            let lit = lit
                .ok_or_else(|| syn::Error::new_spanned(&nv.value, "Attribute wrap expects type"))?;
            route.wrappers.push(lit.parse::<Expr>()?);
        } else if nv.path.is_ident("method") {
            if !is_route_macro {
                return Err(syn::Error::new_spanned(
                    &nv,
                    "HTTP method forbidden here; to handle multiple methods, use `route` instead",
                ));
            }
            let lit = lit.ok_or_else(|| {
                syn::Error::new_spanned(&nv.value, "Attribute method expects literal string")
            })?;
            let method = Method::from_lit(lit)?;
            if route.methods.contains(&method) {
                return Err(syn::Error::new_spanned(
                    &nv.value,
                    format!("HTTP method defined more than once: `{}`", lit.value()),
                ));
            }
            route.methods.push(method);
        } else {
            return Err(syn::Error::new_spanned(
                &nv.path,
                "Unknown attribute key is specified; allowed: guard, method and wrap",
            ));
        }
    }
    if route.methods.is_empty() {
        return Err(syn::Error::new_spanned(
            attr,
            "The #[route(..)] macro requires at least one `method` attribute",
        ));
    }
    Ok(route)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn take(item: proc_macro2::TokenStream) -> (ItemFn, Option<Vec<Route>>, Vec<String>) {
        let mut func: ItemFn = syn::parse2(item).unwrap();
        let mut errors = Errors::default();
        let routes = take_routes(&mut func, &mut errors);
        (func, routes, errors.messages())
    }

    fn methods(route: &Route) -> Vec<String> {
        route.methods.iter().map(Method::name).collect()
    }

    #[test]
    fn a_method_attribute_gives_one_route_and_is_removed() {
        let (func, routes, errors) = take(quote! {
            /// Docs stay.
            #[get("/api/reports", name = "reports", guard = "my_guard", wrap = "MyMw::new(1)")]
            #[allow(clippy::unused_async)]
            async fn reports() -> &'static str { "" }
        });
        assert!(errors.is_empty(), "{errors:?}");
        let routes = routes.unwrap();
        assert_eq!(routes.len(), 1);
        let route = &routes[0];
        assert_eq!(route.path.value(), "/api/reports");
        assert_eq!(route.name.as_ref().unwrap().value(), "reports");
        assert_eq!(route.guards.len(), 1);
        assert_eq!(route.wrappers.len(), 1);
        assert_eq!(methods(route), ["GET"]);
        let kept: Vec<_> = func
            .attrs
            .iter()
            .map(|a| a.path().get_ident().unwrap().to_string())
            .collect();
        assert_eq!(kept, ["doc", "allow"]);
    }

    #[test]
    fn every_method_attribute_is_recognised_bare_or_by_path() {
        for (attr, _, name) in METHODS {
            let ident = syn::Ident::new(attr, Span::call_site());
            for item in [
                quote!(#[#ident("/x")] async fn h() -> String { String::new() }),
                quote!(#[actix_web::#ident("/x")] async fn h() -> String { String::new() }),
                quote!(#[::actix_web::#ident("/x")] async fn h() -> String { String::new() }),
            ] {
                let (_, routes, errors) = take(item);
                assert!(errors.is_empty(), "{attr}: {errors:?}");
                assert_eq!(methods(&routes.unwrap()[0]), [name]);
            }
        }
    }

    #[test]
    fn route_gives_several_methods_on_one_resource_in_source_order() {
        let (_, routes, errors) = take(quote! {
            #[route("/items", method = "PUT", method = "GET", method = "PURGE")]
            async fn items() -> String { String::new() }
        });
        assert!(errors.is_empty(), "{errors:?}");
        let routes = routes.unwrap();
        assert_eq!(routes.len(), 1);
        assert_eq!(methods(&routes[0]), ["PUT", "GET", "PURGE"]);
        assert!(matches!(routes[0].methods[2], Method::Custom(_)));
    }

    #[test]
    fn routes_gives_one_route_per_method_attribute() {
        let (func, routes, errors) = take(quote! {
            #[routes]
            #[get("/a")]
            #[post("/a", wrap = "Logger::default()")]
            #[put("/b", name = "put_b")]
            async fn multi() -> String { String::new() }
        });
        assert!(errors.is_empty(), "{errors:?}");
        assert!(func.attrs.is_empty());
        let routes = routes.unwrap();
        let summary: Vec<_> = routes
            .iter()
            .map(|r| (r.path.value(), methods(r)))
            .collect();
        assert_eq!(
            summary,
            [
                ("/a".to_owned(), vec!["GET".to_owned()]),
                ("/a".to_owned(), vec!["POST".to_owned()]),
                ("/b".to_owned(), vec!["PUT".to_owned()]),
            ]
        );
        assert_eq!(joined_paths(&routes), "/a, /b");
    }

    #[test]
    fn routing_paths_are_the_attributes_the_compiler_would_resolve() {
        let names = |item| {
            route_paths_of(item)
                .iter()
                .map(|p| quote!(#p).to_string().replace(' ', ""))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(quote!(
                #[actix_web::get("/a")]
                #[inline]
                async fn h() -> String {
                    String::new()
                }
            )),
            ["actix_web::get"]
        );
        // Under `#[routes]`, actix-web reads `#[get]` as tokens: no import needed.
        assert_eq!(
            names(quote!(
                #[routes]
                #[get("/a")]
                #[get("/b")]
                async fn h() -> String {
                    String::new()
                }
            )),
            ["routes"]
        );
        assert_eq!(
            names(quote!(
                #[get("/a")]
                #[get("/b")]
                #[post("/c")]
                async fn h() -> String {
                    String::new()
                }
            )),
            ["get", "post"]
        );
    }

    fn route_paths_of(item: proc_macro2::TokenStream) -> Vec<Path> {
        routing_paths(&syn::parse2(item).unwrap())
    }

    #[test]
    fn no_routing_attribute_is_an_error_naming_the_order() {
        let (_, routes, errors) = take(quote!(
            async fn h() -> String {
                String::new()
            }
        ));
        assert!(routes.is_none());
        assert_eq!(errors, [MISSING]);
    }

    #[test]
    fn structural_mistakes_are_errors() {
        let cases = [
            (
                quote!(
                    #[get("/a")]
                    #[post("/b")]
                    async fn h() -> String {
                        String::new()
                    }
                ),
                "several routing attributes on one handler need `#[routes]`",
            ),
            (
                quote!(
                    #[routes]
                    #[route("/a", method = "GET")]
                    async fn h() -> String {
                        String::new()
                    }
                ),
                "`#[route]` cannot be used under `#[routes]`",
            ),
            (
                quote!(
                    #[routes]
                    async fn h() -> String {
                        String::new()
                    }
                ),
                "`#[routes]` needs at least one",
            ),
            (
                quote!(
                    #[cors(disable)]
                    #[get("/a")]
                    async fn h() -> String {
                        String::new()
                    }
                ),
                "only one `#[cors(...)]` per handler",
            ),
            (
                quote!(
                    #[get("/a")]
                    async fn h() {}
                ),
                "Function has no return type. Cannot be used as handler",
            ),
        ];
        for (item, expected) in cases {
            let text = item.to_string();
            let (_, routes, errors) = take(item);
            assert!(routes.is_none(), "{text}");
            assert_eq!(errors.len(), 1, "{text}: {errors:?}");
            assert!(errors[0].starts_with(expected), "{text}: {errors:?}");
        }
    }

    #[test]
    fn routing_arguments_are_checked_as_actix_checks_them() {
        let cases = [
            (
                quote!(
                    #[get]
                    async fn h() -> String {
                        String::new()
                    }
                ),
                "invalid service definition, expected #[get(\"<path>\")]",
            ),
            (
                quote!(
                    #[get(path)]
                    async fn h() -> String {
                        String::new()
                    }
                ),
                "expected string literal",
            ),
            (
                quote!(
                    #[get("/a", "/b")]
                    async fn h() -> String {
                        String::new()
                    }
                ),
                "Multiple paths specified! There should be only one.",
            ),
            (
                quote!(
                    #[get("/a", method = "POST")]
                    async fn h() -> String {
                        String::new()
                    }
                ),
                "HTTP method forbidden here",
            ),
            (
                quote!(
                    #[get("/a", nam = "x")]
                    async fn h() -> String {
                        String::new()
                    }
                ),
                "Unknown attribute key is specified",
            ),
            (
                quote!(
                    #[get("/a", name = x)]
                    async fn h() -> String {
                        String::new()
                    }
                ),
                "Attribute name expects literal string",
            ),
            (
                quote!(
                    #[get("/a", guard = "not a path")]
                    async fn h() -> String {
                        String::new()
                    }
                ),
                "unexpected token",
            ),
            (
                quote!(
                    #[route("/a")]
                    async fn h() -> String {
                        String::new()
                    }
                ),
                "The #[route(..)] macro requires at least one `method` attribute",
            ),
            (
                quote!(
                    #[route("/a", method = "get")]
                    async fn h() -> String {
                        String::new()
                    }
                ),
                "HTTP method must be uppercase: `get`",
            ),
            (
                quote!(
                    #[route("/a", method = "")]
                    async fn h() -> String {
                        String::new()
                    }
                ),
                "HTTP method cannot be empty",
            ),
            (
                quote!(
                    #[route("/a", method = "GET", method = "GET")]
                    async fn h() -> String {
                        String::new()
                    }
                ),
                "HTTP method defined more than once: `GET`",
            ),
        ];
        for (item, expected) in cases {
            let text = item.to_string();
            let (_, routes, errors) = take(item);
            assert!(routes.is_none(), "{text}");
            assert!(errors[0].starts_with(expected), "{text}: {errors:?}");
        }
    }
}
