# syl_add_library(NAME <name> SOURCES ... DEPS ...): one library = one target
# `platform_<name>` with the alias `platform::<name>`, public headers under
# libs/<name>/include/platform/<name>/.
function(syl_add_library)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(platform_${ARG_NAME} ${ARG_SOURCES})
  add_library(platform::${ARG_NAME} ALIAS platform_${ARG_NAME})
  target_include_directories(platform_${ARG_NAME} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(platform_${ARG_NAME} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# syl_add_test(NAME <name> SOURCES ... DEPS ... [LABELS ...]): a GoogleTest binary
# registered with CTest test by test.
function(syl_add_test)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT SYL_BUILD_TESTS)
    return()
  endif()
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  set(properties TIMEOUT 300)
  if(ARG_LABELS)
    list(APPEND properties LABELS "${ARG_LABELS}")
  endif()
  gtest_discover_tests(${ARG_NAME} DISCOVERY_MODE PRE_TEST PROPERTIES ${properties})
endfunction()

# syl_embed_files(OUT <file.cpp> NAMESPACE <ns> FUNCTION <fn> FILES ...): compiles text
# files (migrations, OpenAPI documents) into the binary, so that a service runs from
# any directory and its container image needs nothing beside the executable.
function(syl_embed_files)
  cmake_parse_arguments(ARG "" "OUT;NAMESPACE;FUNCTION" "FILES" ${ARGN})
  add_custom_command(
    OUTPUT ${ARG_OUT}
    COMMAND ${CMAKE_COMMAND} -DOUT=${ARG_OUT} -DNAMESPACE=${ARG_NAMESPACE}
            -DFUNCTION=${ARG_FUNCTION} "-DFILES=${ARG_FILES}" -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
    DEPENDS ${ARG_FILES} ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
    COMMENT "Embedding ${ARG_FUNCTION}"
    # VERBATIM keeps the ';' of a list of several files inside -DFILES=; without it the
    # shell splits the command there.
    VERBATIM)
endfunction()
