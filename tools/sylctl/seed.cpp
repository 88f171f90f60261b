// sylctl seed --demo: demo data for the local platform, made through the api-gateway as
// any client would: departments' subjects, a syllabus for each (learning outcomes, a
// schedule, assessments, instructors; every other one published) and a document for
// every fourth. Idempotent: a subject whose code exists and a syllabus whose subject,
// year and term exist are left as they are, so running it again adds only what is
// missing (a larger --subjects adds the difference).
#include <boost/json.hpp>
#include <iostream>

#include "commands.h"
#include "platform/auth/mint.h"
#include "platform/core/strings.h"
#include "platform/http/client.h"
#include "platform/http/retry.h"
#include "platform_token.h"

namespace sylctl {
namespace {

using platform::http::Client;
using platform::http::ClientRequest;
using platform::http::ClientResponse;

constexpr const char* kYear = "2026/2027";

struct Department {
  const char* name;
  const char* prefix;
  std::vector<const char*> units;
};

const std::vector<Department>& departments() {
  static const std::vector<Department> all = {
      {"Computer Science",
       "CS",
       {"Programming I", "Data Structures", "Algorithms", "Operating Systems", "Databases",
        "Computer Networks", "Compilers", "Machine Learning"}},
      {"Mathematics",
       "MATH",
       {"Linear Algebra", "Calculus I", "Calculus II", "Probability", "Statistics",
        "Discrete Mathematics", "Numerical Methods", "Topology"}},
      {"Physics",
       "PHYS",
       {"Mechanics", "Electromagnetism", "Thermodynamics", "Quantum Physics", "Optics",
        "Solid State Physics", "Astrophysics", "Nuclear Physics"}},
      {"Economics",
       "ECON",
       {"Microeconomics", "Macroeconomics", "Econometrics", "Public Finance", "International Trade",
        "Labour Economics", "Game Theory", "Economic History"}},
      {"History",
       "HIST",
       {"Ancient History", "Medieval Europe", "Early Modern Europe", "The Long 19th Century",
        "The 20th Century", "History of Science", "Economic History of Europe", "Historiography"}},
      {"Law",
       "LAW",
       {"Constitutional Law", "Civil Law", "Criminal Law", "European Union Law",
        "International Law", "Administrative Law", "Labour Law", "Legal Theory"}}};
  return all;
}

// A small but real PDF: the file-service decides the type from the bytes.
std::string outline_pdf(const std::string& title) {
  return "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
         "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n% " +
         title + "\ntrailer << /Root 1 0 R >>\n%%EOF\n";
}

boost::json::object syllabus_body(const std::string& subject_id, const std::string& title,
                                  std::size_t index, const std::optional<std::string>& file) {
  boost::json::array attachments;
  if (file) attachments.push_back(boost::json::value(*file));
  const std::int64_t credits = 4 + static_cast<std::int64_t>(index % 3) * 2;  // 4, 6, 8
  const std::int64_t hours = credits * 27;
  return {
      {"subject_id", subject_id},
      {"academic_year", kYear},
      {"term", index % 2 == 0 ? "autumn" : "spring"},
      {"title", title},
      {"summary", "The foundations of " + title + ", with weekly exercises and a project."},
      {"languages", boost::json::array{"en"}},
      {"ects_credits", credits},
      {"teaching_mode", index % 3 == 0 ? "hybrid" : "in_person"},
      {"workload", {{"lectures", 26}, {"tutorials", 26}, {"labs", 0}, {"self_study", hours - 52}}},
      {"learning_outcomes",
       boost::json::array{
           boost::json::object{{"code", "LO1"},
                               {"statement", "Explain the central ideas of " + title + "."}},
           boost::json::object{{"code", "LO2"},
                               {"statement", "Apply them to problems of the field."}},
           boost::json::object{{"code", "LO3"},
                               {"statement", "Judge the results and their limits."}}}},
      {"prerequisites", boost::json::array{}},
      {"schedule",
       boost::json::array{
           boost::json::object{{"week", 1},
                               {"title", "Introduction"},
                               {"topics", boost::json::array{"Aims", "Organisation"}}},
           boost::json::object{{"week", 2},
                               {"title", "Foundations"},
                               {"topics", boost::json::array{"Terms", "First results"}}},
           boost::json::object{{"week", 7},
                               {"title", "Applications"},
                               {"topics", boost::json::array{"Case studies"}}},
           boost::json::object{{"week", 13},
                               {"title", "Review"},
                               {"topics", boost::json::array{"Exam preparation"}}}}},
      {"assessments",
       boost::json::array{
           boost::json::object{{"name", "Coursework"},
                               {"kind", "coursework"},
                               {"session", "first"},
                               {"weight_pct", 40},
                               {"outcome_codes", boost::json::array{"LO2"}}},
           boost::json::object{{"name", "Final exam"},
                               {"kind", "exam"},
                               {"session", "first"},
                               {"weight_pct", 60},
                               {"outcome_codes", boost::json::array{"LO1", "LO3"}}}}},
      {"readings", boost::json::array{"The department's reading list for " + title}},
      {"instructors", boost::json::array{boost::json::object{
                          {"name", "Demo Lecturer " + std::to_string(index % 7 + 1)}}}},
      {"attachments", attachments},
      {"body", "# " + title + "\n\nWelcome. This course meets **twice a week**.\n"},
      {"visibility", index % 3 == 0 ? "public" : "authenticated"}};
}

class Gateway {
 public:
  Gateway(std::string base, std::string token) : base_(std::move(base)), token_(std::move(token)) {}
  Gateway(const Gateway&) = delete;  // its retry policy refers to it
  Gateway& operator=(const Gateway&) = delete;

  platform::core::Result<ClientResponse> call(const std::string& method, const std::string& path,
                                              std::string body = "",
                                              const std::string& content_type = "application/json",
                                              const std::string* token = nullptr) {
    ClientRequest request{.method = method, .url = base_ + "/api/v1" + path};
    request.headers.set("Authorization", "Bearer " + (token ? *token : token_));
    if (!body.empty()) request.headers.set("Content-Type", content_type);
    request.body = std::move(body);
    // The gateway limits each caller's rate, and a seed makes a few hundred calls in a row:
    // a 429 means the call was not carried out, so it is sent again after the Retry-After
    // the gateway named, as any polite client would, within a bound of total waiting.
    return platform::http::send_with_retries(
        client_, [&request]() -> platform::core::Result<ClientRequest> { return request; },
        {.timeout = std::chrono::seconds(10)}, polite_);
  }

 private:
  std::string base_;
  std::string token_;
  bool told_ = false;
  const platform::http::RetryPolicy polite_{
      .retry = platform::http::RetryPolicy::Retry::kRateLimitsOnly,
      .max_attempts = 1000,  // the waiting is what is bounded
      .max_waiting = std::chrono::seconds(120),
      .first_backoff = std::chrono::seconds(1),
      .max_backoff = std::chrono::seconds(1),
      .shortest_pause = std::chrono::seconds(1),
      .longest_pause = std::chrono::seconds(10),
      .on_retry = [this](const std::string&, std::chrono::milliseconds) {
        if (!told_) std::cerr << "sylctl: slowed down by the gateway's rate limit\n";
        told_ = true;
      }};
  Client client_{platform::http::ClientOptions{.user_agent = "sylctl-seed"}};
};

std::string describe(const platform::core::Result<ClientResponse>& response) {
  if (!response) return response.error().detail();
  return std::to_string(response->status) + " " + response->body.substr(0, 300);
}

}  // namespace

int run_seed(const SeedOptions& options) {
  const Layout layout(std::filesystem::current_path());
  const auto secret = existing_jwt_secret(layout);
  if (!secret) {
    std::cerr << "sylctl: no token key: start the platform with `sylctl up` first\n";
    return kExitFailed;
  }
  Ports ports;
  if (const auto state = read_state(layout)) ports = state->ports;
  if (options.port_base) ports.base = *options.port_base;
  const auto gateway_spec = find_service("api-gateway");
  const std::string base = "http://127.0.0.1:" + std::to_string(ports.service_port(*gateway_spec));
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const auto mint = [&](const std::string& who, std::vector<std::string> roles) {
    auto token = platform::auth::mint_hs256(
        {.subject = who, .roles = std::move(roles), .issued_at = now, .ttl = std::chrono::hours(1)},
        *secret);
    return token ? *token : std::string();
  };
  const std::string author = mint("demo-author", {"editor"});
  const std::string reviewer = mint("demo-reviewer", {"admin"});
  Gateway gateway(base, author);

  std::size_t subjects_created = 0, subjects_kept = 0, syllabi_created = 0, syllabi_kept = 0,
              published = 0, documents = 0;
  const auto failed = [](const std::string& what, const auto& response) {
    std::cerr << "sylctl: " << what << ": " << describe(response) << "\n";
    return kExitFailed;
  };
  for (std::size_t i = 0; i < options.subjects; ++i) {
    const Department& department = departments()[i % departments().size()];
    const std::size_t nth = i / departments().size();
    const std::string unit = department.units[nth % department.units.size()];
    const std::string title = nth < department.units.size()
                                  ? unit
                                  : unit + " " + std::to_string(nth / department.units.size() + 1);
    const std::string code = std::string(department.prefix) + "-" + std::to_string(101 + nth);

    // The subject: created, or found by its code.
    std::string subject_id;
    const auto created = gateway.call(
        "POST", "/subjects",
        boost::json::serialize(boost::json::object{
            {"code", code},
            {"name", title},
            {"description", title + ", taught by the department of " + department.name + "."},
            {"credits", 4 + static_cast<std::int64_t>(i % 3) * 2},
            {"department", department.name}}));
    if (created && created->status == 201) {
      ++subjects_created;
      subject_id = std::string(boost::json::parse(created->body).at("id").as_string());
    } else if (created && created->status == 409) {
      const auto found =
          gateway.call("GET", "/subjects?limit=20&q=" + platform::core::percent_encode(code));
      if (!found || found->status != 200) return failed("finding subject " + code, found);
      const auto page = boost::json::parse(found->body);
      for (const auto& item : page.at("items").as_array())
        if (item.at("code").as_string() == code)
          subject_id = std::string(item.at("id").as_string());
      if (subject_id.empty()) return failed("finding subject " + code, found);
      ++subjects_kept;
    } else {
      return failed("creating subject " + code, created);
    }

    // Its syllabus for the year, unless it has one.
    const std::string term = i % 2 == 0 ? "autumn" : "spring";
    const auto existing = gateway.call(
        "GET", "/syllabi?limit=1&subject_id=" + subject_id +
                   "&academic_year=" + platform::core::percent_encode(kYear) + "&term=" + term);
    if (!existing || existing->status != 200) return failed("listing syllabi", existing);
    if (!boost::json::parse(existing->body).at("items").as_array().empty()) {
      ++syllabi_kept;
      continue;
    }
    std::optional<std::string> file;
    if (i % 4 == 0) {
      const auto uploaded = gateway.call(
          "POST", "/files?filename=" + platform::core::percent_encode(code) + "-outline.pdf",
          outline_pdf(title), "application/pdf");
      if (!uploaded || uploaded->status != 201) return failed("uploading a document", uploaded);
      file = std::string(boost::json::parse(uploaded->body).at("id").as_string());
      ++documents;
    }
    const auto syllabus = gateway.call(
        "POST", "/syllabi", boost::json::serialize(syllabus_body(subject_id, title, i, file)));
    if (!syllabus || syllabus->status != 201) return failed("creating a syllabus", syllabus);
    ++syllabi_created;
    if (i % 2 == 0) {
      const std::string id(boost::json::parse(syllabus->body).at("id").as_string());
      const auto submitted = gateway.call("POST", "/syllabi/" + id + "/submit");
      if (!submitted || submitted->status != 200) return failed("submitting " + id, submitted);
      const auto approved =
          gateway.call("POST", "/syllabi/" + id + "/publish", "", "application/json", &reviewer);
      if (!approved || approved->status != 200) return failed("publishing " + id, approved);
      ++published;
    }
  }
  std::cout << "subjects: " << subjects_created << " created, " << subjects_kept
            << " there already\nsyllabi: " << syllabi_created << " created (" << published
            << " published), " << syllabi_kept << " there already\ndocuments: " << documents
            << " uploaded\nthrough " << base << "\n";
  return kExitOk;
}

}  // namespace sylctl
