# file_service_s3: the S3-compatible FileStorage (SigV4 signing, the storage adapter over the
# platform's HTTP client). Included from CMakeLists.txt, so CMAKE_CURRENT_SOURCE_DIR is
# services/file-service.
add_library(file_service_s3 STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/infrastructure/s3/sigv4.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/infrastructure/s3/s3_xml.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/infrastructure/s3/s3_file_storage.cpp)
target_include_directories(file_service_s3 PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
# The platform's HTTP client (https through it); hashes and MACs come from platform::core.
target_link_libraries(file_service_s3 PUBLIC platform::core platform::http)

# The unit tests need nothing; the integration tests need SYLTEST_S3_URL (scripts/test.sh
# starts s3rver, see scripts/lib/s3.sh) and fail without it.
syl_add_test(NAME file_service_s3_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/infrastructure/s3/sigv4_test.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/infrastructure/s3/s3_xml_test.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/infrastructure/s3/s3_file_storage_test.cpp
  DEPS file_service_s3 platform::testing
  LABELS s3)
