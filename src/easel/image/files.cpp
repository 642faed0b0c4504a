// Whole-file reads and all-or-nothing writes: an output file exists only if the write succeeded.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <fstream>
#include <random>
#include <string>
#include <system_error>
#include <utility>

#include "easel/core/error.hpp"
#include "easel/image/codec.hpp"

namespace easel {
namespace fs = std::filesystem;
namespace {

// Reads errno first, before anything else can change it.
[[noreturn]] void throw_output_error(const fs::path& target, const std::string& what) {
  const int code = errno;
  throw Error(ErrorKind::output, target.string() + ": " + what + " (" + std::generic_category().message(code) + ")");
}

// Hidden, and unique across threads (counter), processes (pid) and leftovers of crashed runs (random).
fs::path temporary_path_beside(const fs::path& path) {
  static std::atomic<unsigned> counter{0};
  static const unsigned run_id = std::random_device{}();
  const fs::path folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
  return folder / ("." + path.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                   std::to_string(run_id) + "-" + std::to_string(counter++));
}

// A file beside the target that becomes the target only through rename_to; removed on any other way out.
class TemporaryFile {
 public:
  explicit TemporaryFile(const fs::path& target) : target_(target), path_(temporary_path_beside(target)) {
    // 0666 before the umask, like any newly created file; O_EXCL never reuses someone else's file.
    descriptor_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (descriptor_ < 0) throw_output_error(target_, "cannot create a file in " + path_.parent_path().string());
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  ~TemporaryFile() {
    if (descriptor_ >= 0) ::close(descriptor_);
    if (!renamed_) ::unlink(path_.c_str());
  }

  void write_all(std::span<const std::uint8_t> bytes) {
    std::size_t written = 0;
    while (written < bytes.size()) {
      const ssize_t result = ::write(descriptor_, bytes.data() + written, bytes.size() - written);
      if (result < 0 && errno == EINTR) continue;
      if (result < 0) throw_output_error(target_, "write failed");
      written += static_cast<std::size_t>(result);
    }
  }

  // Flushed to disk before the rename, so a crash never leaves an empty or partial file under the name.
  void flush_and_close() {
    if (::fsync(descriptor_) != 0) throw_output_error(target_, "flushing to disk failed");
    if (::close(std::exchange(descriptor_, -1)) != 0) throw_output_error(target_, "closing failed");
  }

  void rename_to_target() {
    if (::rename(path_.c_str(), target_.c_str()) != 0) throw_output_error(target_, "cannot be replaced");
    renamed_ = true;
  }

 private:
  fs::path target_;
  fs::path path_;
  int descriptor_ = -1;
  bool renamed_ = false;
};

}  // namespace

std::vector<std::uint8_t> read_file_bytes(const fs::path& path) {
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (!fs::exists(status)) throw Error(ErrorKind::input, path.string() + ": no such file");
  if (fs::is_directory(status)) throw Error(ErrorKind::input, path.string() + ": is a folder, not a file");
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw Error(ErrorKind::input, path.string() + ": cannot be opened for reading");
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(in.tellg()));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!in) throw Error(ErrorKind::input, path.string() + ": read error");
  return bytes;
}

void write_file_atomically(const fs::path& path, std::span<const std::uint8_t> bytes) {
  TemporaryFile temporary(path);
  temporary.write_all(bytes);
  temporary.flush_and_close();
  temporary.rename_to_target();
}

}  // namespace easel
