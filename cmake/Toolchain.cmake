# Compiler launcher, linker and warnings. Everything here is optional: a machine
# without ccache or mold still builds, only slower.
# Paths are hashed relative to the source tree and the build directory is left out, so
# that another checkout (scripts/compat-test.sh builds the previous version in a
# worktree; CI clones afresh) reuses what this one compiled. The price: an object taken
# from the cache keeps the other checkout's paths in its debug information.
find_program(SYL_CCACHE ccache)
find_program(SYL_ENV env)
if(SYL_CCACHE AND SYL_ENV AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${SYL_ENV};CCACHE_BASEDIR=${CMAKE_SOURCE_DIR};CCACHE_NOHASHDIR=true;${SYL_CCACHE}")
endif()

find_program(SYL_MOLD mold)
if(SYL_MOLD)
  add_link_options(-fuse-ld=mold)
endif()

add_compile_options(-Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
if(SYL_WERROR)
  add_compile_options(-Werror)
endif()

# Sanitizer builds (the "asan" preset) pass SYL_SANITIZE=ON.
option(SYL_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
if(SYL_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
