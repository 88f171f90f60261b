// The one translation unit that compiles Asio and Beast (separate compilation): every
// other source of the library includes only their declarations, which saves ~15 s of
// compile time per file that uses them.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
