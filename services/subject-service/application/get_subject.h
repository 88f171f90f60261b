// GetSubjectQuery and its handler: one subject by id.
#pragma once

#include "application/subject_repository.h"

namespace subject_service::application {

struct GetSubjectQuery {
  platform::core::Uuid id;
};

class GetSubjectHandler {
 public:
  explicit GetSubjectHandler(SubjectRepository& repository) : repository_(repository) {}
  // kNotFound when absent.
  platform::core::Result<domain::Subject> handle(const GetSubjectQuery& query);

 private:
  SubjectRepository& repository_;
};

}  // namespace subject_service::application
