//! The OpenAPI 3 description of the API, served at `/api/openapi.json`.
//!
//! A test checks that every route of [`crate::router`] appears here, so the document cannot
//! silently fall behind the code.

use axum::response::IntoResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Rounds API", description = "Offline-first helpdesk for hospital IT maintenance. See docs/api.md and docs/sync.md."),
    modifiers(&BearerAuth),
    paths(
        crate::auth::login, crate::auth::logout, crate::auth::me,
        crate::directory::campuses, crate::directory::campus_create,
        crate::directory::departments, crate::directory::department_create,
        crate::directory::users, crate::directory::user_create,
        crate::tickets::create, crate::tickets::list, crate::tickets::get, crate::tickets::patch,
        crate::tickets::transition, crate::tickets::comments, crate::tickets::comment_create,
        crate::attachments::upload, crate::attachments::download,
        crate::sync::push, crate::sync::pull, crate::events::events,
        crate::sla::checklist_step,
        crate::oncall::shifts, crate::oncall::shift_create, crate::oncall::shift_delete,
        crate::oncall::import, crate::oncall::now,
        crate::alerts::endpoints, crate::alerts::endpoint_create, crate::alerts::endpoint_delete,
        crate::alerts::deliveries,
        healthz_doc,
    ),
    components(schemas(rounds_core::wire::Op, rounds_core::wire::OpKind, rounds_core::wire::Change, rounds_core::wire::Entity,
        rounds_core::wire::EventKind, rounds_core::sla::TicketSla, crate::alerts::Alert))
)]
pub struct ApiDoc;

/// Liveness check.
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200, description = "the text `ok`")))]
#[allow(dead_code)]
fn healthz_doc() {}

pub fn spec() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub async fn serve_spec() -> impl IntoResponse {
    axum::Json(spec())
}
