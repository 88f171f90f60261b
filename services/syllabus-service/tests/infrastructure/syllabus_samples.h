// Syllabi for the infrastructure tests: a complete one (every field written, so that a
// field lost on the way to the database and back shows) and the steps of its lifecycle.
#pragma once

#include <string>
#include <vector>

#include "domain/syllabus.h"

namespace syllabus_service::testing {

inline const platform::core::Uuid kFileA =
    *platform::core::Uuid::parse("0192f0c4-0000-7000-8000-0000000000f1");
inline const platform::core::Uuid kFileB =
    *platform::core::Uuid::parse("0192f0c4-0000-7000-8000-0000000000f2");
inline const platform::core::Uuid kOtherSubject =
    *platform::core::Uuid::parse("0192f0c4-0000-7000-8000-000000000002");

// Everything publishing needs, with text that SQL and JSON must carry unchanged.
inline domain::SyllabusDraft complete_draft(const platform::core::Uuid& subject,
                                            std::string academic_year = "2026/2027",
                                            domain::Term term = domain::Term::kAutumn) {
  using namespace domain;
  return {.subject_id = subject,
          .academic_year = std::move(academic_year),
          .term = term,
          .title = "Programming I",
          .summary = "Variables, functions and tests. Ünïcødé 'quoted' \"double\" ✓ 𝄞",
          .languages = std::vector<std::string>{"en", "cs"},
          .ects_credits = EctsCredits{75},
          .teaching_mode = TeachingMode::kHybrid,
          .workload = Workload{.lectures = 26, .tutorials = 26, .labs = 12, .self_study = 123},
          .learning_outcomes =
              std::vector<LearningOutcome>{{"LO1", "Write a function."}, {"LO2", "Test it."}},
          .prerequisites = std::vector<Prerequisite>{{"Basic algebra", std::nullopt},
                                                     {"Intro to computing", kOtherSubject}},
          .schedule = std::vector<ScheduleSection>{{1, "Values", {"numbers", "text"}},
                                                   {2, "Functions", {}}},
          .assessments =
              std::vector<Assessment>{
                  {"Final exam", AssessmentKind::kExam, Session::kFirst, 60, {"LO1"}},
                  {"Project", AssessmentKind::kProject, Session::kFirst, 40, {"LO1", "LO2"}},
                  {"Resit exam", AssessmentKind::kOral, Session::kResit, 100, {"LO1", "LO2"}}},
          .readings = std::vector<std::string>{"Stroustrup: A Tour of C++"},
          .instructors = std::vector<Instructor>{{"Ada Lovelace", "ada@example.org"},
                                                 {"Alan Turing", std::nullopt}},
          .attachments = std::vector<platform::core::Uuid>{kFileA},
          .body = "# Programming I\n\nline\nbreak\ttab \\ backslash -- ; DROP TABLE syllabi;",
          .visibility = Visibility::kPublic};
}

}  // namespace syllabus_service::testing
