#include "api/syllabus_page.h"

#include <cmark.h>

#include <cstdlib>
#include <memory>

namespace syllabus_service::api {
namespace {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string term_name(domain::Term term) {
  switch (term) {
    case domain::Term::kAutumn:
      return "Autumn";
    case domain::Term::kSpring:
      return "Spring";
    case domain::Term::kSummer:
      return "Summer";
    case domain::Term::kFullYear:
      return "Full year";
  }
  return "";
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

constexpr std::string_view kStyle = R"(
body { font-family: "DejaVu Serif", Georgia, serif; max-width: 48rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.45; color: #111; }
h1 { font-size: 1.8rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; border-bottom: 1px solid #999; margin-top: 1.6rem; }
.meta { color: #444; margin-top: 0; }
.status { text-transform: uppercase; letter-spacing: 0.05em; font-size: 0.8rem; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #bbb; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; }
dt { font-weight: bold; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; }
               tr, li { break-inside: avoid; } }
)";

}  // namespace

std::string render_markdown(std::string_view markdown) {
  char* html = cmark_markdown_to_html(markdown.data(), markdown.size(),
                                      CMARK_OPT_SAFE | CMARK_OPT_SMART | CMARK_OPT_VALIDATE_UTF8);
  if (html == nullptr) return {};
  std::string out(html);
  std::free(html);  // NOLINT(cppcoreguidelines-no-malloc): cmark allocates with malloc
  return out;
}

std::string render_document(const domain::Syllabus& syllabus,
                            const std::optional<application::SubjectView>& subject) {
  std::string html;
  html.reserve(syllabus.body.size() * 2 + 8192);
  html += "<!DOCTYPE html>\n<html lang=\"";
  html += escape(syllabus.languages.empty() ? "en" : syllabus.languages.front());
  html += "\">\n<head>\n<meta charset=\"utf-8\">\n<title>";
  html += escape(syllabus.title.empty() ? "Syllabus" : syllabus.title);
  html += "</title>\n<style>";
  html += kStyle;
  html += "</style>\n</head>\n<body>\n<header>\n<h1>";
  html += escape(syllabus.title.empty() ? "Untitled syllabus" : syllabus.title);
  html += "</h1>\n<p class=\"meta\">";
  if (subject) html += escape(subject->code) + " " + escape(subject->name) + " &middot; ";
  html += escape(syllabus.academic_year) + " &middot; " + term_name(syllabus.term);
  html += " &middot; revision " + std::to_string(syllabus.revision) + " <span class=\"status\">";
  html += escape(domain::to_string(syllabus.status));
  html += "</span></p>\n</header>\n";

  html += "<section>\n<h2>Summary</h2>\n<p>" + escape(syllabus.summary) + "</p>\n<dl>\n";
  if (syllabus.ects_credits) {
    const auto tenths = syllabus.ects_credits->tenths;
    html += "<dt>ECTS credits</dt><dd>" + std::to_string(tenths / 10) +
            (tenths % 10 != 0 ? "." + std::to_string(tenths % 10) : "") + "</dd>\n";
  }
  if (syllabus.teaching_mode) {
    html +=
        "<dt>Teaching</dt><dd>" + escape(domain::to_string(*syllabus.teaching_mode)) + "</dd>\n";
  }
  if (!syllabus.languages.empty()) {
    html += "<dt>Languages</dt><dd>" + escape(join(syllabus.languages, ", ")) + "</dd>\n";
  }
  if (const auto& workload = syllabus.workload) {
    html += "<dt>Workload</dt><dd>" + std::to_string(workload->total_hours()) +
            " hours: " + std::to_string(workload->lectures) + " lectures, " +
            std::to_string(workload->tutorials) + " tutorials, " + std::to_string(workload->labs) +
            " labs, " + std::to_string(workload->self_study) + " self-study</dd>\n";
  }
  html += "</dl>\n</section>\n";

  if (!syllabus.instructors.empty()) {
    html += "<section>\n<h2>Instructors</h2>\n<ul>\n";
    for (const auto& instructor : syllabus.instructors) {
      html += "<li>" + escape(instructor.name);
      if (instructor.email) html += " &lt;" + escape(*instructor.email) + "&gt;";
      html += "</li>\n";
    }
    html += "</ul>\n</section>\n";
  }
  if (!syllabus.learning_outcomes.empty()) {
    html += "<section>\n<h2>Learning outcomes</h2>\n<dl>\n";
    for (const auto& outcome : syllabus.learning_outcomes) {
      html += "<dt>" + escape(outcome.code) + "</dt><dd>" + escape(outcome.statement) + "</dd>\n";
    }
    html += "</dl>\n</section>\n";
  }
  if (!syllabus.prerequisites.empty()) {
    html += "<section>\n<h2>Prerequisites</h2>\n<ul>\n";
    for (const auto& prerequisite : syllabus.prerequisites) {
      html += "<li>" + escape(prerequisite.text) + "</li>\n";
    }
    html += "</ul>\n</section>\n";
  }
  if (!syllabus.schedule.empty()) {
    html +=
        "<section>\n<h2>Schedule</h2>\n<table>\n<tr><th>Week</th><th>Title</th>"
        "<th>Topics</th></tr>\n";
    for (const auto& section : syllabus.schedule) {
      html += "<tr><td>" + std::to_string(section.week) + "</td><td>" + escape(section.title) +
              "</td><td>" + escape(join(section.topics, "; ")) + "</td></tr>\n";
    }
    html += "</table>\n</section>\n";
  }
  if (!syllabus.assessments.empty()) {
    html +=
        "<section>\n<h2>Assessment</h2>\n<table>\n<tr><th>Name</th><th>Kind</th>"
        "<th>Session</th><th>Weight</th><th>Outcomes</th></tr>\n";
    for (const auto& assessment : syllabus.assessments) {
      html += "<tr><td>" + escape(assessment.name) + "</td><td>" +
              escape(domain::to_string(assessment.kind)) + "</td><td>" +
              escape(domain::to_string(assessment.session)) + "</td><td>" +
              std::to_string(assessment.weight_pct) + "%</td><td>" +
              escape(join(assessment.outcome_codes, ", ")) + "</td></tr>\n";
    }
    html += "</table>\n</section>\n";
  }
  if (!syllabus.readings.empty()) {
    html += "<section>\n<h2>Readings</h2>\n<ul>\n";
    for (const auto& reading : syllabus.readings) html += "<li>" + escape(reading) + "</li>\n";
    html += "</ul>\n</section>\n";
  }
  if (!syllabus.body.empty()) {
    html += "<section class=\"body\">\n" + render_markdown(syllabus.body) + "</section>\n";
  }
  html += "</body>\n</html>\n";
  return html;
}

}  // namespace syllabus_service::api
