// The one translation unit that compiles Asio and Beast (separate compilation): every
// other source of the library includes only their declarations, which saves ~15 s of
// compile time per file that uses them.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
#include <cstddef>

// Asio takes its memory from operator new (cmake/Dependencies.cmake), which must then be
// as aligned as what Asio asks for: alignof(max_align_t).
static_assert(__STDCPP_DEFAULT_NEW_ALIGNMENT__ >= alignof(std::max_align_t));
#if defined(BOOST_ASIO_HAS_STD_ALIGNED_ALLOC) || defined(BOOST_ASIO_HAS_BOOST_ALIGN)
#error "Asio should take its memory from operator new (see cmake/Dependencies.cmake)"
#endif
