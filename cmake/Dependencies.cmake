# System dependencies, all from Debian 12 packages (scripts/install-deps.sh).
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(Boost 1.81.0 EXACT CONFIG REQUIRED COMPONENTS json url)
# Asio's memory for coroutine frames and handlers that its per-thread recycling slots cannot
# hold (every frame over 1,020 bytes) comes from std::aligned_alloc by default, which
# jemalloc serves by its slow path; with these it comes from operator new, by the fast path.
# operator new aligns to 16 bytes and Asio then ignores any larger alignment it is asked
# for: no handler, operation or coroutine frame may hold an over-aligned (alignas > 16)
# object (none does; the asan preset's alignment check would catch one). Defined for every
# file, so that all that include Asio agree on how its memory is freed (unlike a size of
# Asio's structs, nothing here can differ between two files that both have the definitions;
# libs/http/src/asio_beast.cpp refuses to compile without them).
add_compile_definitions(BOOST_ASIO_DISABLE_STD_ALIGNED_ALLOC BOOST_ASIO_DISABLE_BOOST_ALIGN)
find_package(PkgConfig REQUIRED)
pkg_check_modules(YAMLCPP REQUIRED IMPORTED_TARGET yaml-cpp)
# CommonMark (cmark 0.30): the syllabus-service renders Markdown bodies, raw HTML disabled.
pkg_check_modules(CMARK REQUIRED IMPORTED_TARGET libcmark)
# zlib: the api-gateway gzips JSON answers.
find_package(ZLIB REQUIRED)
# jemalloc: the api-gateway's allocator (a proxied request allocates and frees hundreds of
# small strings; glibc's malloc spent a fifth of its instructions on them, jemalloc 12%
# fewer in all). Not with sanitizers, which bring their own.
find_library(JEMALLOC_LIBRARY NAMES jemalloc REQUIRED)

# SOCI ships neither a CMake config nor a .pc file on Debian 12.
find_path(SOCI_INCLUDE_DIR soci/soci.h REQUIRED)
find_path(PQ_INCLUDE_DIR libpq-fe.h PATH_SUFFIXES postgresql REQUIRED)
find_library(SOCI_CORE_LIBRARY soci_core REQUIRED)
find_library(SOCI_POSTGRESQL_LIBRARY soci_postgresql REQUIRED)
find_library(SOCI_SQLITE3_LIBRARY soci_sqlite3 REQUIRED)
find_library(PQ_LIBRARY pq REQUIRED)
find_library(SQLITE3_LIBRARY sqlite3 REQUIRED)
add_library(soci_all INTERFACE)
target_include_directories(soci_all SYSTEM INTERFACE ${SOCI_INCLUDE_DIR} ${PQ_INCLUDE_DIR})
target_link_libraries(soci_all INTERFACE ${SOCI_POSTGRESQL_LIBRARY} ${SOCI_SQLITE3_LIBRARY}
                                         ${SOCI_CORE_LIBRARY} ${PQ_LIBRARY} ${SQLITE3_LIBRARY})
# UBSan's vptr check needs the typeinfo of SOCI's polymorphic classes, which the Debian
# libraries do not export: every file using SOCI would fail to link in sanitizer builds.
if(SYL_SANITIZE)
  target_compile_options(soci_all INTERFACE -fno-sanitize=vptr)
endif()

if(SYL_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
if(SYL_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()
