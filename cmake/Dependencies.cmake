# Host libraries: Unicorn 2.1.x (static, from the private prefix the setup
# script fills), Capstone, libelf, CMocka, OpenSSL's libcrypto (SHA-256).

set(_uc_header "${FAULTSIM_UNICORN_PREFIX}/include/unicorn/unicorn.h")
set(_uc_lib "${FAULTSIM_UNICORN_PREFIX}/lib/x86_64-linux-gnu/libunicorn.a")
if(NOT EXISTS "${_uc_header}" OR NOT EXISTS "${_uc_lib}")
  message(FATAL_ERROR
    "Unicorn 2.1.x not found under ${FAULTSIM_UNICORN_PREFIX}.\n"
    "Run scripts/setup.sh (it unpacks Debian 13's libunicorn-dev 2.1.1 there), "
    "or pass -DFAULTSIM_UNICORN_PREFIX=/path/to/prefix/usr.")
endif()
file(STRINGS "${_uc_header}" _uc_major REGEX "^#define UC_API_MAJOR [0-9]+")
file(STRINGS "${_uc_header}" _uc_minor REGEX "^#define UC_API_MINOR [0-9]+")
string(REGEX REPLACE ".* ([0-9]+)$" "\\1" _uc_major "${_uc_major}")
string(REGEX REPLACE ".* ([0-9]+)$" "\\1" _uc_minor "${_uc_minor}")
if(NOT _uc_major STREQUAL "2" OR NOT _uc_minor STREQUAL "1")
  message(FATAL_ERROR
    "Unicorn at ${FAULTSIM_UNICORN_PREFIX} is ${_uc_major}.${_uc_minor}; faultsim needs 2.1.x "
    "(2.0 cannot run a paged guest). Run scripts/setup.sh.")
endif()
message(STATUS "Unicorn ${_uc_major}.${_uc_minor} (static) from ${FAULTSIM_UNICORN_PREFIX}")
find_package(Threads REQUIRED)
add_library(unicorn_static INTERFACE)
target_include_directories(unicorn_static SYSTEM INTERFACE "${FAULTSIM_UNICORN_PREFIX}/include")
target_link_libraries(unicorn_static INTERFACE "${_uc_lib}" Threads::Threads m)

find_package(PkgConfig REQUIRED)
pkg_check_modules(CAPSTONE REQUIRED IMPORTED_TARGET capstone)
pkg_check_modules(LIBELF REQUIRED IMPORTED_TARGET libelf)
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
pkg_check_modules(LIBCRYPTO REQUIRED IMPORTED_TARGET libcrypto)
# Reading traces (src/trace): cJSON, from Debian's libcjson-dev (4x faster
# than jansson on trace lines, which the offline replay's rate depends on).
pkg_check_modules(CJSON REQUIRED IMPORTED_TARGET libcjson)
