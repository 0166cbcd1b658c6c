//! Code generation: the handler becomes a unit struct implementing
//! `cors_actix::__private::CorsHandler`, which registers the same resources
//! actix-web-codegen 4 would, with the handler's CORS layer outermost.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{quote, ToTokens};
use syn::ItemFn;

use crate::attr::{self, CorsArgs, Value};
use crate::errors::Errors;
use crate::route::{self, Method, Route};
use crate::validate;

/// `#[cors(args)] item`: the expansion, or on any error the item unchanged
/// plus the errors, so nothing else fails because of them.
pub(crate) fn cors(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let cors_args = attr::parse(args, &mut errors);
    let mut func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(_) => {
            errors.push(syn::Error::new(
                Span::call_site(),
                "`#[cors(...)]` goes on a handler function, above its routing attribute such as \
                 `#[get(\"/path\")]`",
            ));
            return with_errors(item, &errors);
        }
    };
    let uses = route::routing_paths(&func)
        .into_iter()
        .map(|path| quote!(#[allow(unused_imports)] use #path as _;));
    let uses = quote!(#(#uses)*);
    let routes = route::take_routes(&mut func, &mut errors);
    let handler = func.sig.ident.to_string();
    let path = routes
        .as_deref()
        .map_or_else(|| "?".to_owned(), route::joined_paths);
    validate::check(&cors_args, &handler, &path, &mut errors);
    match routes {
        Some(routes) if errors.is_empty() => {
            let generated = generate(&cors_args, func, &routes);
            quote!(#uses #generated)
        }
        // The routing attributes could be read: leave them for actix-web, so
        // the handler stays a service and only our errors show.
        Some(_) => with_errors(item, &errors),
        // They could not: leave them out, so actix-web does not report the
        // same mistake a second time.
        None => with_errors(quote!(#uses #func), &errors),
    }
}

fn with_errors(item: TokenStream, errors: &Errors) -> TokenStream {
    let errors = errors.to_compile_errors();
    quote!(#item #errors)
}

/// The path every generated item is named by.
fn private() -> TokenStream {
    quote!(::cors_actix::__private)
}

fn generate(args: &CorsArgs, func: ItemFn, routes: &[Route]) -> TokenStream {
    let p = private();
    let vis = &func.vis;
    let name = &func.sig.ident;
    let name_str = name.to_string();
    let docs = func.attrs.iter().filter(|a| a.path().is_ident("doc"));
    let infos = routes.iter().map(|route| {
        let path = &route.path;
        let methods = route.methods.iter().map(Method::name);
        quote!(#p::RouteInfo { path: #path, methods: &[#(#methods),*] })
    });
    let policy = policy_tokens(args);
    let disabled = args.disable.is_some();
    let registrations = routes.iter().map(|route| registration(name, route));
    quote! {
        #(#docs)*
        #[allow(non_camel_case_types, missing_docs)]
        #vis struct #name;

        impl #p::CorsHandler for #name {
            fn info(&self) -> #p::HandlerInfo {
                #p::HandlerInfo {
                    name: #name_str,
                    routes: &[#(#infos),*],
                    policy: #policy,
                    disabled: #disabled,
                }
            }

            fn register(self, __cors_ctx: &mut #p::RegisterContext<'_>) {
                #func
                #(#registrations)*
            }
        }

        // `App::service(handler)`: never usable (the bound never holds), so
        // the compiler names `cors.handlers(...)` instead of listing every
        // `HttpServiceFactory`.
        #[allow(private_bounds)]
        impl #p::actix_web::dev::HttpServiceFactory for #name
        where
            for<'__cors> &'__cors #name: #p::RegisterWithCorsHandlers<'__cors>,
        {
            fn register(self, _: &mut #p::actix_web::dev::AppService) {}
        }
    }
}

/// The `PolicyOverride` literal: each given key, every other inherited.
fn policy_tokens(args: &CorsArgs) -> TokenStream {
    let p = private();
    let fields: Vec<_> = args
        .given
        .iter()
        .map(|given| {
            // The override's fields are named like the keys.
            let field = Ident::new(given.setting.macro_key(), Span::call_site());
            let value = match &given.value {
                Value::List(_, items) => quote!(#p::strings(&[#(#items),*])),
                Value::Bool(b) => b.to_token_stream(),
                Value::Int(_, n) => Literal::u64_suffixed(*n).into_token_stream(),
            };
            quote!(#field: #p::Some(#value))
        })
        .collect();
    let rest = (fields.len() < cors_core::Setting::ALL.len())
        .then(|| quote!(..<#p::PolicyOverride as #p::Default>::default()));
    quote!(#p::PolicyOverride { #(#fields,)* #rest })
}

/// One resource, built as actix-web-codegen 4 builds it (`Resource::new`,
/// `name`, method guards, `fn_guard`s, `wrap`s, `to`), with the handler's
/// CORS layer as the last, hence outermost, `wrap`.
fn registration(handler: &Ident, route: &Route) -> TokenStream {
    let p = private();
    let aw = quote!(#p::actix_web);
    let path = &route.path;
    let resource_name = route
        .name
        .as_ref()
        .map_or_else(|| handler.to_string(), syn::LitStr::value);
    let guard = |method: &Method| match method {
        Method::Standard { guard, .. } => {
            let guard = Ident::new(guard, Span::call_site());
            quote!(#aw::guard::#guard())
        }
        Method::Custom(lit) => quote!(#p::method_guard(#lit)),
    };
    let method_guard = match route.methods.as_slice() {
        [one] => guard(one),
        [first, rest @ ..] => {
            let first = guard(first);
            let rest = rest.iter().map(guard);
            quote!(#aw::guard::Any(#first) #(.or(#rest))*)
        }
        [] => TokenStream::new(),
    };
    let guards = &route.guards;
    let wrappers = &route.wrappers;
    quote! {
        let __resource = #aw::Resource::new(#path)
            .name(#resource_name)
            .guard(#method_guard)
            #(.guard(#aw::guard::fn_guard(#guards)))*
            #(.wrap(#wrappers))*
            .wrap(__cors_ctx.layer())
            .to(#handler);
        __cors_ctx.service(__resource);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized(tokens: TokenStream) -> String {
        tokens
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn contains(haystack: &TokenStream, needle: TokenStream) -> bool {
        normalized(haystack.clone()).contains(&normalized(needle))
    }

    #[test]
    fn a_handler_expands_to_the_contract_shape() {
        let out = cors(
            quote!(expose = ["X-Report-Id"]),
            quote! {
                /// The reports.
                #[get("/api/reports", name = "reports", guard = "my_guard", wrap = "MyMw")]
                #[allow(clippy::unused_async)]
                pub async fn reports() -> impl Responder { "[]" }
            },
        );
        let p = quote!(::cors_actix::__private);
        for needle in [
            quote! {
                #[doc = r" The reports."]
                #[allow(non_camel_case_types, missing_docs)]
                pub struct reports;
                impl #p::CorsHandler for reports
            },
            quote! {
                #p::HandlerInfo {
                    name: "reports",
                    routes: &[#p::RouteInfo { path: "/api/reports", methods: &["GET"] }],
                    policy: #p::PolicyOverride {
                        expose: #p::Some(#p::strings(&["X-Report-Id"])),
                        ..<#p::PolicyOverride as #p::Default>::default()
                    },
                    disabled: false,
                }
            },
            quote! {
                fn register(self, __cors_ctx: &mut #p::RegisterContext<'_>) {
                    #[doc = r" The reports."]
                    #[allow(clippy::unused_async)]
                    pub async fn reports() -> impl Responder { "[]" }
                    let __resource = #p::actix_web::Resource::new("/api/reports")
                        .name("reports")
                        .guard(#p::actix_web::guard::Get())
                        .guard(#p::actix_web::guard::fn_guard(my_guard))
                        .wrap(MyMw)
                        .wrap(__cors_ctx.layer())
                        .to(reports);
                    __cors_ctx.service(__resource);
                }
            },
        ] {
            assert!(
                contains(&out, needle.clone()),
                "{out}\n\nmissing:\n{needle}"
            );
        }
        assert!(!normalized(out).contains("compile_error"));
    }

    #[test]
    fn route_with_several_methods_guards_one_resource_with_any() {
        let out = cors(
            quote!(disable),
            quote! {
                #[route("/items", method = "GET", method = "PURGE")]
                async fn items() -> String { String::new() }
            },
        );
        let p = quote!(::cors_actix::__private);
        assert!(contains(
            &out,
            quote!(.guard(#p::actix_web::guard::Any(#p::actix_web::guard::Get()).or(#p::method_guard("PURGE"))))
        ));
        assert!(contains(&out, quote!(.name("items"))));
        assert!(contains(&out, quote!(methods: &["GET", "PURGE"])));
        assert!(contains(&out, quote!(disabled: true)));
    }

    #[test]
    fn routes_registers_one_resource_per_attribute() {
        let out = cors(
            quote!(),
            quote! {
                #[routes]
                #[get("/a")]
                #[post("/b")]
                async fn multi() -> String { String::new() }
            },
        );
        assert_eq!(
            normalized(out.clone()).matches("Resource :: new").count(),
            2
        );
        assert!(!normalized(out).contains("# [routes]"));
    }

    #[test]
    fn every_key_given_needs_no_default() {
        let out = policy_tokens(&{
            let mut errors = Errors::default();
            attr::parse(
                quote!(
                    origins = [],
                    origin_regexes = [],
                    methods = [],
                    headers = [],
                    expose = [],
                    credentials = false,
                    max_age = 1,
                    private_network = false,
                    timing_allow_origin = false,
                    cross_origin_protection = true
                ),
                &mut errors,
            )
        });
        assert!(!normalized(out.clone()).contains("Default"), "{out}");
        assert!(normalized(out).contains("max_age : :: cors_actix :: __private :: Some (1u64)"));
    }

    #[test]
    fn on_error_the_item_is_kept_with_its_routing_attribute() {
        let item = quote! {
            #[get("/a")]
            async fn h() -> String { String::new() }
        };
        let out = cors(quote!(origins = ["https://a.com/"]), item.clone());
        let text = normalized(out);
        assert!(text.starts_with(&normalized(item)), "{text}");
        assert!(text.contains("compile_error"), "{text}");
        assert!(!text.contains("CorsHandler"), "{text}");
    }

    #[test]
    fn on_a_routing_error_the_item_is_kept_without_routing_attributes() {
        let out = cors(
            quote!(),
            quote! {
                #[get("/a", nam = "x")]
                async fn h() -> String { String::new() }
            },
        );
        let text = normalized(out);
        // The attribute's path stays named, so its import is not unused.
        assert!(
            text.starts_with("# [allow (unused_imports)] use get as _ ; async fn h"),
            "{text}"
        );
        assert_eq!(text.matches("compile_error").count(), 1, "{text}");
    }

    #[test]
    fn anything_but_a_function_is_an_error() {
        let out = cors(
            quote!(),
            quote!(
                struct NotAHandler;
            ),
        );
        let text = normalized(out);
        assert!(text.starts_with("struct NotAHandler ;"), "{text}");
        assert!(text.contains("goes on a handler function"), "{text}");
    }
}
