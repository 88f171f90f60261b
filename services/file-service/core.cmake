# file_service_core: the file-service's pure building blocks (file name rules, type
# detection, multipart parsing, byte ranges, Content-Disposition, URL signing). No
# sockets, no database: standard library and platform::core (whose crypto.h is the HMAC).
add_library(file_service_core STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/domain/filename.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/domain/content_type.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/api/multipart.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/api/byte_range.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/api/content_disposition.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/application/url_signer.cpp)
target_include_directories(file_service_core PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(file_service_core PUBLIC platform::core)

syl_add_test(NAME file_service_core_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/domain/filename_test.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/domain/content_type_test.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/api/multipart_test.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/api/byte_range_test.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/api/content_disposition_test.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/application/url_signer_test.cpp
  DEPS file_service_core)
