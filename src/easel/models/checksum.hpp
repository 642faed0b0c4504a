#pragma once
// Content digests the Hugging Face hub publishes for its files: SHA-256 for files stored with Git LFS
// (the weights) and the Git blob id for small files kept in Git itself (configs, index files).
#include <filesystem>
#include <string>

namespace easel::models {

// Lower-case hex SHA-256 of a file's bytes.
std::string sha256_of_file(const std::filesystem::path& file);
// Lower-case hex Git blob id: SHA-1 of "blob <size>\0" followed by the bytes (what `git hash-object` prints).
std::string git_blob_id_of_file(const std::filesystem::path& file);

}  // namespace easel::models
