#include "api/syllabus_page.h"

#include <gtest/gtest.h>

namespace syllabus_service::api {
namespace {

using platform::core::Uuid;

domain::Syllabus syllabus_with(std::string title, std::string body) {
  domain::Syllabus syllabus;
  syllabus.id = *Uuid::parse("0192f0c4-0000-7000-8000-0000000000aa");
  syllabus.subject_id = *Uuid::parse("0192f0c4-0000-7000-8000-000000000001");
  syllabus.academic_year = "2026/2027";
  syllabus.title = std::move(title);
  syllabus.body = std::move(body);
  syllabus.learning_outcomes = {{"LO1", "Write <b>a</b> function."}};
  syllabus.ects_credits = domain::EctsCredits{75};
  return syllabus;
}

TEST(SyllabusPage, RendersTheMarkdownBodyAndTheSections) {
  const auto html =
      render_document(syllabus_with("Programming I", "# Week one\n\n*Values* and `types`."),
                      application::SubjectView{.code = "CS-101", .name = "Programming"});
  EXPECT_NE(html.find("<!DOCTYPE html>"), std::string::npos);
  EXPECT_NE(html.find("<h1>Week one</h1>"), std::string::npos);
  EXPECT_NE(html.find("<em>Values</em>"), std::string::npos);
  EXPECT_NE(html.find("CS-101 Programming"), std::string::npos);
  EXPECT_NE(html.find("<dt>LO1</dt>"), std::string::npos);
  EXPECT_NE(html.find("7.5"), std::string::npos);
  EXPECT_NE(html.find("@media print"), std::string::npos);
}

TEST(SyllabusPage, NothingTheAuthorWritesCanInjectScript) {
  const auto html =
      render_document(syllabus_with("<script>alert(1)</script>",
                                    "<script>alert(2)</script>\n\n<img src=x onerror=alert(3)>\n\n"
                                    "[click](javascript:alert(4))"),
                      std::nullopt);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("javascript:"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)"), std::string::npos);
  EXPECT_EQ(html.find("<b>a</b>"), std::string::npos);  // outcome statements are escaped too
}

TEST(SyllabusPage, ThePolicyForbidsScripts) {
  EXPECT_NE(std::string_view(kDocumentPolicy).find("default-src 'none'"), std::string::npos);
}

}  // namespace
}  // namespace syllabus_service::api
