// The one translation unit that compiles Asio and Beast (separate compilation): every
// other source of the library includes only their declarations, which saves ~15 s of
// compile time per file that uses them.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
// Every file that includes Asio takes its memory from operator new (the definitions of
// cmake/Dependencies.cmake, which say why); a build without them would mix allocators.
#if defined(BOOST_ASIO_HAS_STD_ALIGNED_ALLOC) || defined(BOOST_ASIO_HAS_BOOST_ALIGN)
#error "Asio should take its memory from operator new (see cmake/Dependencies.cmake)"
#endif
