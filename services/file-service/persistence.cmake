# file_service_persistence: file metadata in SQL (SQLite or PostgreSQL) through
# platform::db, its events through the transactional outbox (platform::events), and the
# service's migrations with the outbox and inbox (infrastructure/migrations.h).
add_library(file_service_persistence STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/infrastructure/sql_file_repository.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/infrastructure/file_event_mapper.cpp)
target_include_directories(file_service_persistence PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(file_service_persistence
  PUBLIC platform::core platform::db platform::events Boost::json
  PRIVATE soci_all)
syl_add_migrations(TARGET file_service_persistence NAMESPACE file_service::infrastructure EVENTS
                   IMPORTS)

# The repository suite runs on SQLite and PostgreSQL (SYLTEST_POSTGRES_URL); the contract
# test runs scripts/check_event_contracts.py from the source tree.
syl_add_test(NAME file_service_persistence_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/infrastructure/sql_file_repository_test.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/infrastructure/file_event_contract_test.cpp
  DEPS file_service_persistence platform::testing soci_all
  LABELS postgres)
if(TARGET file_service_persistence_test)
  target_compile_definitions(file_service_persistence_test PRIVATE
    SYL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endif()
