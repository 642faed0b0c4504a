#include "easel/models/checksum.hpp"

#include <array>
#include <cstdio>
#include <fstream>
#include <memory>

#include <openssl/evp.h>

#include "easel/core/error.hpp"

namespace easel::models {
namespace fs = std::filesystem;

namespace {

// OpenSSL's EVP interface: the digests are the library's, this only streams the file through them.
std::string digest_of_file(const fs::path& file, const EVP_MD* algorithm, const std::string& prefix) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorKind::input, "cannot read " + file.string() + " to verify its checksum");
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!context || EVP_DigestInit_ex(context.get(), algorithm, nullptr) != 1)
    throw Error(ErrorKind::internal, "OpenSSL could not start a digest");
  EVP_DigestUpdate(context.get(), prefix.data(), prefix.size());
  std::array<char, 1 << 16> buffer{};
  while (in) {
    in.read(buffer.data(), buffer.size());
    if (in.gcount() > 0) EVP_DigestUpdate(context.get(), buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw Error(ErrorKind::input, "read error in " + file.string() + " while verifying its checksum");
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), digest.data(), &length);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    std::array<char, 3> pair{};
    std::snprintf(pair.data(), pair.size(), "%02x", digest[i]);
    hex += pair.data();
  }
  return hex;
}

}  // namespace

std::string sha256_of_file(const fs::path& file) { return digest_of_file(file, EVP_sha256(), ""); }

std::string git_blob_id_of_file(const fs::path& file) {
  std::string header = "blob " + std::to_string(fs::file_size(file));
  header.push_back('\0');
  return digest_of_file(file, EVP_sha1(), header);
}

}  // namespace easel::models
