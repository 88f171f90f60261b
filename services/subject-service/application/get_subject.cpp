#include "application/get_subject.h"

namespace subject_service::application {

platform::core::Result<domain::Subject> GetSubjectHandler::handle(const GetSubjectQuery& query) {
  return repository_.find(query.id);
}

}  // namespace subject_service::application
