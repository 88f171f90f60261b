#include "api/syllabus_api.h"

#include <boost/json.hpp>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "api/syllabus_json.h"
#include "api/syllabus_page.h"
#include "platform/core/strings.h"
#include "platform/http/conditional.h"
#include "platform/http/json_body.h"

namespace syllabus_service::api {
namespace {

using application::GetSyllabusQuery;
using application::Transition;
using platform::core::Error;
using platform::core::Result;
using platform::core::Uuid;
using platform::http::Request;
using platform::http::Response;

boost::json::object subject_json(const application::SubjectView& view) {
  return {{"id", view.id.to_string()},
          {"code", view.code},
          {"name", view.name},
          {"credits", view.credits},
          {"department", view.department},
          {"version", view.version}};
}

boost::json::object file_json(const application::FileView& view) {
  return {{"id", view.id.to_string()},
          {"filename", view.filename},
          {"content_type", view.content_type},
          {"size", view.size},
          {"sha256", view.sha256}};
}

// The JSON of a revision, rendered once per (revision, version): a syllabus is read far
// more often than it changes, and rendering it is most of the cost of a cached read.
class RenderedSyllabi {
 public:
  std::string render(const domain::Syllabus& syllabus) {
    {
      std::lock_guard lock(mutex_);
      const auto found = rendered_.find(syllabus.id);
      if (found != rendered_.end() && found->second.revision == syllabus.revision &&
          found->second.version == syllabus.version) {
        return found->second.json;
      }
    }
    std::string json = boost::json::serialize(to_json(syllabus));
    std::lock_guard lock(mutex_);
    if (rendered_.size() >= kMaxEntries) rendered_.clear();  // bounded; refills as read
    rendered_.insert_or_assign(syllabus.id, Entry{syllabus.revision, syllabus.version, json});
    return json;
  }

 private:
  static constexpr std::size_t kMaxEntries = 20'000;
  struct Entry {
    std::int64_t revision;
    std::int64_t version;
    std::string json;
  };
  std::mutex mutex_;
  std::unordered_map<Uuid, Entry> rendered_;
};

// `rendered` (a JSON object's text) with the expansion's members added at its end.
std::string with_expansion(std::string rendered, const application::Expansion& expansion,
                           const application::Expanded& expanded) {
  if (!expansion.any()) return rendered;
  rendered.pop_back();  // the closing brace
  if (expansion.subject) {
    rendered += ",\"subject\":";
    rendered += expanded.subject ? boost::json::serialize(subject_json(*expanded.subject)) : "null";
  }
  if (expansion.files) {
    boost::json::array files;
    for (const auto& file : expanded.files) {
      files.push_back(file ? boost::json::value(file_json(*file)) : nullptr);
    }
    rendered += ",\"files\":" + boost::json::serialize(files);
  }
  rendered += ",\"warnings\":" + boost::json::serialize(to_json(expanded.warnings)) + "}";
  return rendered;
}

Result<application::Expansion> expansion_of(const Request& request) {
  const auto expand = request.query_param("expand");
  if (!expand) return application::Expansion{};
  return application::parse_expansion(*expand);
}

Response syllabus_response(int status, const domain::Syllabus& syllabus,
                           const std::vector<platform::core::FieldError>* warnings = nullptr) {
  boost::json::object body = to_json(syllabus);
  if (warnings != nullptr) body["warnings"] = to_json(*warnings);
  return Response::json(status, boost::json::serialize(body))
      .with_header("ETag", platform::http::entity_tag(syllabus.version));
}

Result<Uuid> id_from_path(const Request& request) {
  const auto id = Uuid::parse(request.path_param("id"));
  // An id that cannot exist names no resource: 404, like any unknown id.
  if (!id) {
    return Error::not_found("syllabus " + std::string(request.path_param("id")) +
                            " does not exist");
  }
  return *id;
}

// Who acts (the gateway's X-User-ID, verified by identity_middleware), the request's
// trace for events and calls, and its deadline.
application::Actor actor_of(const Request& request) {
  return {.who = request.caller.authenticated() ? request.caller.user_id : "anonymous",
          .origin = {request.trace.traceparent(), request.trace.request_id},
          .context = {request.trace, request.deadline}};
}

Result<domain::SyllabusDraft> draft_from_body(const Request& request) {
  auto body = platform::http::parse_json_object(request, {"application/merge-patch+json"});
  if (!body) return std::move(body).error();
  ParsedDraft parsed = parse_draft(*body);
  auto errors = merge_errors(std::move(parsed.errors), domain::validate_draft(parsed.draft));
  if (!errors.empty()) return Error::invalid_fields(std::move(errors));
  return std::move(parsed.draft);
}

Result<std::int64_t> positive_integer(std::string_view field, std::string_view text) {
  const auto value = platform::core::parse_integer<std::int64_t>(text);
  if (!value || *value < 1) {
    return Error::invalid_argument(std::string(field), "must be a revision number (1, 2, ...)");
  }
  return *value;
}

class Routes {
 public:
  explicit Routes(SyllabusHandlers handlers) : handlers_(handlers) {}

  Response create(Request& request) {
    auto draft = draft_from_body(request);
    if (!draft) return Response::problem(draft.error(), request);
    auto created = handlers_.commands.create({std::move(draft).value(), actor_of(request)});
    if (!created) return Response::problem(created.error(), request);
    return syllabus_response(201, *created)
        .with_header("Location", "/syllabi/" + created->id.to_string());
  }

  Response get(Request& request) {
    auto id = id_from_path(request);
    if (!id) return Response::problem(id.error(), request);
    auto expansion = expansion_of(request);
    if (!expansion) return Response::problem(expansion.error(), request);
    if (is_public(request)) return shown_publicly(request, *id, *expansion);
    GetSyllabusQuery query{.id = *id};
    if (auto revision = request.query_param("revision")) {
      if (*revision == "published") {
        query.which = GetSyllabusQuery::Which::kPublished;
      } else {
        auto number = positive_integer("revision", *revision);
        if (!number) {
          return Response::problem(
              Error::invalid_argument("revision", "must be \"published\" or a revision number"),
              request);
        }
        query.which = GetSyllabusQuery::Which::kNumbered;
        query.revision = *number;
      }
    }
    return shown(request, handlers_.queries.get(query), *expansion);
  }

  // GET /syllabi/{id} from memory, on the network thread: the working revision and the
  // references it embeds when all are cached. Anything else (another revision, a miss, a
  // malformed id or expand) goes to get() on a worker, which also says what is wrong.
  std::optional<Response> get_from_memory(Request& request) {
    if (request.query_param("revision") || is_public(request)) return std::nullopt;
    const auto id = Uuid::parse(request.path_param("id"));
    if (!id) return std::nullopt;
    application::Expansion expansion;
    if (const auto expand = request.query_param("expand")) {
      auto parsed = application::parse_expansion(*expand);
      if (!parsed) return std::nullopt;
      expansion = *parsed;
    }
    auto syllabus = handlers_.queries.get_from_memory({.id = *id});
    if (!syllabus) return std::nullopt;
    application::Expanded expanded;
    if (expansion.any()) {
      auto in_memory = handlers_.expander.expand_from_memory(*syllabus, expansion);
      if (!in_memory) return std::nullopt;
      expanded = std::move(*in_memory);
    }
    return shown(request, *syllabus, expansion, expanded);
  }

  Response get_revision(Request& request) {
    if (is_public(request)) return not_public(request);
    auto id = id_from_path(request);
    if (!id) return Response::problem(id.error(), request);
    auto expansion = expansion_of(request);
    if (!expansion) return Response::problem(expansion.error(), request);
    auto number = positive_integer("revision", request.path_param("revision"));
    if (!number) {
      return Response::problem(Error::not_found("no such revision"), request);
    }
    return shown(request,
                 handlers_.queries.get(
                     {.id = *id, .which = GetSyllabusQuery::Which::kNumbered, .revision = *number}),
                 *expansion);
  }

  // The printable page of the working revision (or ?revision=published|N).
  Response document(Request& request) {
    auto id = id_from_path(request);
    if (!id) return Response::problem(id.error(), request);
    GetSyllabusQuery query{.id = *id};
    if (is_public(request)) query.which = GetSyllabusQuery::Which::kPublished;
    if (auto revision = request.query_param("revision")) {
      if (*revision == "published") {
        query.which = GetSyllabusQuery::Which::kPublished;
      } else if (auto number = positive_integer("revision", *revision)) {
        query.which = GetSyllabusQuery::Which::kNumbered;
        query.revision = *number;
      } else {
        return Response::problem(
            Error::invalid_argument("revision", "must be \"published\" or a revision number"),
            request);
      }
    }
    auto syllabus = handlers_.queries.get(query);
    if (!syllabus) return Response::problem(syllabus.error(), request);
    if (is_public(request) && syllabus->visibility != domain::Visibility::kPublic)
      return not_public(request);
    const auto expanded =
        handlers_.expander.expand(*syllabus, {.subject = true}, {request.trace, request.deadline});
    return Response::text(200, render_document(*syllabus, expanded.subject),
                          "text/html; charset=utf-8")
        .with_header("Content-Security-Policy", kDocumentPolicy)
        .with_header("X-Content-Type-Options", "nosniff")
        .with_header("ETag", platform::http::entity_tag(syllabus->version));
  }

  Response revisions(Request& request) {
    if (is_public(request)) return not_public(request);
    auto id = id_from_path(request);
    if (!id) return Response::problem(id.error(), request);
    auto history = handlers_.queries.revisions(*id);
    if (!history) return Response::problem(history.error(), request);
    boost::json::array items;
    for (const auto& revision : *history) items.push_back(to_json(revision));
    return Response::json(200, boost::json::serialize(boost::json::object{{"items", items}}));
  }

  Response diff(Request& request) {
    if (is_public(request)) return not_public(request);
    auto id = id_from_path(request);
    if (!id) return Response::problem(id.error(), request);
    std::vector<platform::core::FieldError> errors;
    const auto read = [&](std::string_view name) -> std::int64_t {
      const auto text = request.query_param(name);
      auto number = positive_integer(name, text.value_or(""));
      if (number) return *number;
      errors.push_back({std::string(name), "must be a revision number (1, 2, ...)"});
      return 0;
    };
    const auto from = read("from");
    const auto to = read("to");
    if (!errors.empty()) return Response::problem(Error::invalid_fields(errors), request);
    auto pair = handlers_.queries.diff({*id, from, to});
    if (!pair) return Response::problem(pair.error(), request);
    return Response::json(200, boost::json::serialize(diff_to_json(pair->from, pair->to)));
  }

  Response list(Request& request) {
    application::SyllabusFilter filter{.limit = application::kDefaultPageSize};
    std::vector<platform::core::FieldError> errors;
    if (auto limit = request.query_param("limit")) {
      filter.limit = platform::core::parse_integer<std::size_t>(*limit).value_or(0);
    }
    if (auto subject = request.query_param("subject_id")) {
      filter.subject_id = Uuid::parse(*subject);
      if (!filter.subject_id) errors.push_back({"subject_id", "must be a UUID"});
    }
    if (auto year = request.query_param("academic_year")) {
      if (!domain::is_academic_year(*year)) {
        errors.push_back({"academic_year", "must be two consecutive years such as 2026/2027"});
      }
      filter.academic_year = *year;
    }
    if (auto term = request.query_param("term")) {
      filter.term = domain::parse_term(*term);
      if (!filter.term) {
        errors.push_back({"term", "must be one of: " + domain::names_of_terms()});
      }
    }
    if (auto status = request.query_param("status")) {
      filter.status = domain::parse_status(*status);
      if (!filter.status) errors.push_back({"status", "is not a syllabus status"});
    }
    if (auto text = request.query_param("q"); text && !platform::core::trim(*text).empty()) {
      filter.text = std::string(platform::core::trim(*text));
    }
    filter.after = request.query_param("cursor");
    auto expansion = expansion_of(request);
    if (!expansion) return Response::problem(expansion.error(), request);
    if (!errors.empty()) return Response::problem(Error::invalid_fields(errors), request);
    // The public's list: published syllabi (without a revision in the works), the public
    // ones among them; a page may then hold fewer than `limit`, its cursor goes on.
    const bool public_only = is_public(request);
    if (public_only) filter.status = domain::Status::kPublished;
    auto page = handlers_.queries.list(filter);
    if (!page) return Response::problem(page.error(), request);
    // Each item rendered once per version (as GET /syllabi/{id} does), then joined.
    std::string body = "{\"items\":[";
    for (const auto& syllabus : page->items) {
      if (public_only && syllabus.visibility != domain::Visibility::kPublic) continue;
      if (body.back() != '[') body += ',';
      application::Expanded expanded;
      if (expansion->any()) {
        expanded =
            handlers_.expander.expand(syllabus, *expansion, {request.trace, request.deadline});
      }
      body += with_expansion(rendered_.render(syllabus), *expansion, expanded);
    }
    body += "],\"limit\":" + std::to_string(filter.limit) + ",\"next_cursor\":";
    body += page->next ? boost::json::serialize(boost::json::value(*page->next)) : "null";
    body += '}';
    return Response::json(200, std::move(body));
  }

  Response update(Request& request) {
    auto id = id_from_path(request);
    if (!id) return Response::problem(id.error(), request);
    auto version = platform::http::if_match_version(request);
    if (!version) return Response::problem(version.error(), request);
    auto patch = draft_from_body(request);
    if (!patch) return Response::problem(patch.error(), request);
    auto changed =
        handlers_.commands.update({*id, std::move(patch).value(), *version, actor_of(request)});
    if (!changed) return Response::problem(changed.error(), request);
    return syllabus_response(200, *changed);
  }

  Response remove(Request& request) {
    auto id = id_from_path(request);
    if (!id) return Response::problem(id.error(), request);
    auto version = platform::http::if_match_version(request);
    if (!version) return Response::problem(version.error(), request);
    auto removed = handlers_.commands.remove({*id, *version, actor_of(request)});
    if (!removed) return Response::problem(removed.error(), request);
    return Response::no_content();
  }

  Response submit(Request& request) { return transition(request, Transition::kSubmit); }
  Response publish(Request& request) { return transition(request, Transition::kPublish); }
  Response archive(Request& request) { return transition(request, Transition::kArchive); }
  Response reject(Request& request) { return transition(request, Transition::kReject); }

  Response open_revision(Request& request) {
    auto id = id_from_path(request);
    if (!id) return Response::problem(id.error(), request);
    auto opened = handlers_.commands.open_revision({*id, actor_of(request)});
    if (!opened) return Response::problem(opened.error(), request);
    return syllabus_response(201, *opened)
        .with_header("Location", "/syllabi/" + opened->id.to_string() + "/revisions/" +
                                     std::to_string(opened->revision));
  }

  Response copy(Request& request) {
    auto id = id_from_path(request);
    if (!id) return Response::problem(id.error(), request);
    auto body = platform::http::parse_json_object(request);
    if (!body) return Response::problem(body.error(), request);
    std::vector<platform::core::FieldError> errors;
    std::string year;
    std::optional<domain::Term> term;
    for (const auto& [key, value] : *body) {
      if (key == "academic_year" && value.is_string()) {
        year = value.as_string();
      } else if (key == "term" && value.is_string()) {
        term = domain::parse_term(value.as_string());
        if (!term) errors.push_back({"term", "must be one of: " + domain::names_of_terms()});
      } else if (key == "academic_year" || key == "term") {
        errors.push_back({std::string(key), "must be a string"});
      } else {
        errors.push_back({std::string(key), "is not a field of a copy"});
      }
    }
    if (year.empty() && !body->contains("academic_year")) {
      errors.push_back({"academic_year", "is required"});
    }
    if (!term && !body->contains("term")) errors.push_back({"term", "is required"});
    if (!errors.empty()) return Response::problem(Error::invalid_fields(errors), request);
    auto copied = handlers_.commands.copy({*id, year, *term, actor_of(request)});
    if (!copied) return Response::problem(copied.error(), request);
    return syllabus_response(201, *copied)
        .with_header("Location", "/syllabi/" + copied->id.to_string());
  }

  Response read_model(Request& request) {
    auto status = handlers_.read_model_status();
    if (!status) return Response::problem(status.error(), request);
    return Response::json(200, std::move(status).value());
  }

 private:
  Response shown(const Request& request, const Result<domain::Syllabus>& syllabus,
                 const application::Expansion& expansion) {
    if (!syllabus) return Response::problem(syllabus.error(), request);
    if (!expansion.any()) return shown(request, *syllabus, expansion, {});
    return shown(
        request, *syllabus, expansion,
        handlers_.expander.expand(*syllabus, expansion, {request.trace, request.deadline}));
  }

  Response shown(const Request& request, const domain::Syllabus& syllabus,
                 const application::Expansion& expansion, const application::Expanded& expanded) {
    // The ETag names the syllabus's version; an expanded answer also depends on its
    // references, so only a plain one may be answered 304.
    if (!expansion.any()) {
      if (auto unchanged = platform::http::not_modified(request, syllabus.version)) {
        return *unchanged;
      }
    }
    return Response::json(200, with_expansion(rendered_.render(syllabus), expansion, expanded))
        .with_header("ETag", platform::http::entity_tag(syllabus.version));
  }

  Response transition(Request& request, Transition transition) {
    auto id = id_from_path(request);
    if (!id) return Response::problem(id.error(), request);
    auto version = platform::http::if_match_version(request);
    if (!version) return Response::problem(version.error(), request);
    application::ChangeStatusCommand command{
        .id = *id, .transition = transition, .expected_version = *version};
    if (transition == Transition::kReject) {
      auto body = platform::http::parse_json_object(request);
      if (!body) return Response::problem(body.error(), request);
      const auto* comment = body->if_contains("comment");
      if (comment == nullptr || !comment->is_string()) {
        return Response::problem(Error::invalid_argument("comment", "is required: say why"),
                                 request);
      }
      command.comment = comment->as_string();
    }
    command.actor = actor_of(request);
    auto changed = handlers_.commands.change_status(command);
    if (!changed) return Response::problem(changed.error(), request);
    // Submitting and publishing answer with the publish check's warnings (a workload far
    // from the norm): they do not block, but the author should see them.
    if (transition == Transition::kSubmit || transition == Transition::kPublish) {
      const auto check = application::SyllabusCommands::publish_check(*changed);
      return syllabus_response(200, *changed, &check.warnings);
    }
    return syllabus_response(200, *changed);
  }

  // A caller the gateway did not vouch for, while the service stands behind one.
  bool is_public(const Request& request) const {
    return handlers_.anonymous_sees_public_only && !request.caller.authenticated();
  }
  // What the public may not see does not exist for it.
  static Response not_public(const Request& request) {
    return Response::problem(Error::not_found("no such syllabus"), request);
  }
  // GET /syllabi/{id} for the public: the published revision, when it is public.
  Response shown_publicly(Request& request, const Uuid& id,
                          const application::Expansion& expansion) {
    if (auto revision = request.query_param("revision"); revision && *revision != "published")
      return not_public(request);
    auto published =
        handlers_.queries.get({.id = id, .which = GetSyllabusQuery::Which::kPublished});
    if (!published) return Response::problem(published.error(), request);
    if (published->visibility != domain::Visibility::kPublic) return not_public(request);
    return shown(request, std::move(published), expansion);
  }

  SyllabusHandlers handlers_;
  RenderedSyllabi rendered_;
};

}  // namespace

void add_routes(platform::http::Router& router, SyllabusHandlers handlers) {
  auto routes = std::make_shared<Routes>(handlers);
  const auto bind = [routes](auto method) {
    return platform::http::member_handler(routes, method);
  };
  // The service's table of contents.
  router.post("/syllabi", bind(&Routes::create))
      .get("/syllabi", bind(&Routes::list))
      .add_with_memory(
          "GET", "/syllabi/{id}",
          [routes](Request& request) { return routes->get_from_memory(request); },
          bind(&Routes::get))
      .patch("/syllabi/{id}", bind(&Routes::update))
      .del("/syllabi/{id}", bind(&Routes::remove))
      .post("/syllabi/{id}/submit", bind(&Routes::submit))
      .post("/syllabi/{id}/publish", bind(&Routes::publish))
      .post("/syllabi/{id}/reject", bind(&Routes::reject))
      .post("/syllabi/{id}/archive", bind(&Routes::archive))
      .post("/syllabi/{id}/revisions", bind(&Routes::open_revision))
      .get("/syllabi/{id}/revisions", bind(&Routes::revisions))
      .get("/syllabi/{id}/revisions/{revision}", bind(&Routes::get_revision))
      .get("/syllabi/{id}/diff", bind(&Routes::diff))
      .get("/syllabi/{id}/document", bind(&Routes::document))
      .post("/syllabi/{id}/copy", bind(&Routes::copy))
      .get("/admin/read-model", bind(&Routes::read_model));
}

}  // namespace syllabus_service::api
