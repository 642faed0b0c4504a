#include "easel/serve/web_assets.hpp"

#include <httplib.h>

#include <algorithm>
#include <string>

namespace easel::serve {
namespace {

std::string_view content_type_of(std::string_view path) {
  const auto dot = path.rfind('.');
  const std::string_view extension = dot == std::string_view::npos ? std::string_view() : path.substr(dot);
  if (extension == ".html") return "text/html; charset=utf-8";
  if (extension == ".js" || extension == ".mjs") return "text/javascript; charset=utf-8";
  if (extension == ".css") return "text/css; charset=utf-8";
  if (extension == ".svg") return "image/svg+xml";
  if (extension == ".png") return "image/png";
  if (extension == ".ico") return "image/x-icon";
  if (extension == ".json") return "application/json";
  if (extension == ".webmanifest") return "application/manifest+json";
  if (extension == ".woff2") return "font/woff2";
  if (extension == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

const EmbeddedFile* find_file(std::string_view path) {
  const auto files = embedded_web_files();
  const auto found =
      std::find_if(files.begin(), files.end(), [path](const EmbeddedFile& file) { return file.path == path; });
  return found == files.end() ? nullptr : &*found;
}

// The page talks only to this server: no CDNs, fonts or scripts from elsewhere, and no framing.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; img-src 'self' data: blob:; connect-src 'self'; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

constexpr const char* kNotBuiltPage = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Easel: web workspace not built</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto; line-height: 1.5">
<h1>The web workspace is not in this build</h1>
<p>This <code>easel</code> binary was built without the web workspace (web/dist did not exist).
The HTTP API under <code>/v1/</code> works as usual.</p>
<p>To add the workspace, install Node.js 20 or later and npm, then run <code>bash scripts/build-web.sh</code>
and rebuild (<code>bash scripts/build.sh</code>). See docs/web.md.</p>
</body></html>
)";

}  // namespace

void install_web_routes(httplib::Server& http) {
  // Vite's output: index.html, hashed bundles under assets/, and top-level files copied from web/public.
  http.Get(R"(/|/[A-Za-z0-9_-]+\.[A-Za-z0-9]+|/assets/[A-Za-z0-9._-]+)", [](const httplib::Request& request,
                                                                            httplib::Response& response) {
    const bool page = request.path == "/" || request.path == "/index.html";
    if (page && embedded_web_files().empty()) {
      response.status = 404;
      response.set_header("Cache-Control", "no-cache");
      response.set_content(kNotBuiltPage, "text/html; charset=utf-8");
      return;
    }
    const EmbeddedFile* file = find_file(page ? std::string_view("/index.html") : std::string_view(request.path));
    if (file == nullptr) {
      response.status = 404;  // the server's error handler writes the JSON error body
      return;
    }
    // Bundles under assets/ carry a content hash in their names; the page itself must be revalidated
    // so that a new build's bundles are picked up.
    const bool hashed = request.path.starts_with("/assets/");
    response.set_header("Cache-Control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
    response.set_header("X-Content-Type-Options", "nosniff");
    if (page) {
      response.set_header("Content-Security-Policy", kContentSecurityPolicy);
      response.set_header("Referrer-Policy", "no-referrer");
    }
    const std::string type(content_type_of(file->path));
    response.set_content(reinterpret_cast<const char*>(file->bytes.data()), file->bytes.size(), type);
  });
}

}  // namespace easel::serve
