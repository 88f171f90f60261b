#include "application/expand.h"

#include <gtest/gtest.h>

#include <map>

#include "fakes.h"

namespace syllabus_service::application {
namespace {

using platform::core::ErrorCode;
using platform::core::Result;
using platform::core::Uuid;

const Uuid kSubject = *Uuid::parse("0192f0c4-0000-7000-8000-000000000001");
const Uuid kFile = *Uuid::parse("0192f0c4-0000-7000-8000-0000000000f1");
const Uuid kGoneFile = *Uuid::parse("0192f0c4-0000-7000-8000-0000000000f2");

class FakeViews : public ReferenceViews {
 public:
  Result<Known<SubjectView>> subject(const Uuid& id) override {
    ++reads;
    auto found = subjects.find(id);
    return found == subjects.end() ? Known<SubjectView>::unknown() : found->second;
  }
  Result<Known<FileView>> file(const Uuid& id) override {
    ++reads;
    auto found = files.find(id);
    return found == files.end() ? Known<FileView>::unknown() : found->second;
  }
  Result<void> store_subject(const SubjectView& view) override {
    subjects[view.id] = Known<SubjectView>::live(view);
    return platform::core::ok();
  }
  Result<void> store_file(const FileView& view) override {
    files[view.id] = Known<FileView>::live(view);
    return platform::core::ok();
  }
  std::map<Uuid, Known<SubjectView>> subjects;
  std::map<Uuid, Known<FileView>> files;
  int reads = 0;
};

domain::Syllabus syllabus() {
  domain::Syllabus syllabus;
  syllabus.subject_id = kSubject;
  syllabus.attachments = {kFile, kGoneFile};
  return syllabus;
}

TEST(ParseExpansion, KnowsSubjectAndFilesAndRefusesOthers) {
  auto both = parse_expansion("subject, files");
  ASSERT_TRUE(both);
  EXPECT_TRUE(both->subject && both->files);
  auto unknown = parse_expansion("subject,owner");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), ErrorCode::kMalformed);
  EXPECT_NE(unknown.error().detail().find("owner"), std::string::npos);
}

TEST(ReferenceExpander, UsesTheReadModelWithoutAskingTheOwners) {
  FakeViews views;
  test::FakeReferences references;
  views.subjects[kSubject] = Known<SubjectView>::live({.id = kSubject, .code = "CS-101"});
  views.files[kFile] = Known<FileView>::live({.id = kFile, .filename = "a.pdf"});
  views.files[kGoneFile] = Known<FileView>::deleted();
  ReferenceExpander expander(views, references);
  const auto expanded = expander.expand(syllabus(), {.subject = true, .files = true}, {});
  ASSERT_TRUE(expanded.subject);
  EXPECT_EQ(expanded.subject->code, "CS-101");
  ASSERT_EQ(expanded.files.size(), 2u);
  EXPECT_EQ(expanded.files[0]->filename, "a.pdf");
  EXPECT_FALSE(expanded.files[1]);
  ASSERT_EQ(expanded.warnings.size(), 1u);
  EXPECT_EQ(expanded.warnings[0].field, "files[1]");
  EXPECT_EQ(references.subject_calls + references.file_calls, 0);
}

TEST(ReferenceExpander, FetchesWhatTheModelLacksAndWarnsWhenThatFails) {
  FakeViews views;
  test::FakeReferences references;
  references.subjects.insert(kSubject);
  ReferenceExpander expander(views, references);
  auto expanded = expander.expand(syllabus(), {.subject = true}, {});
  ASSERT_TRUE(expanded.subject);
  EXPECT_EQ(references.subject_calls, 1);

  references.unavailable = true;
  expanded = expander.expand(syllabus(), {.files = true}, {});
  ASSERT_EQ(expanded.files.size(), 2u);
  EXPECT_FALSE(expanded.files[0]);
  ASSERT_EQ(expanded.warnings.size(), 2u);
  EXPECT_NE(expanded.warnings[0].message.find("unavailable"), std::string::npos);
}

}  // namespace
}  // namespace syllabus_service::application
