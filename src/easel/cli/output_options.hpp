#pragma once
// Options every image-writing command shares, and the write path that honours them: encode with
// metadata, write the report, then the image, each atomically, so a failure leaves no output file.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "easel/image/codec.hpp"
#include "easel/run/render_state.hpp"

namespace easel::cli {

struct OutputOptions {
  std::filesystem::path output;
  std::filesystem::path report;
  std::string format;  // empty: from the output's extension
  int quality = 92;
  int png_compression = 6;
  bool json = false;    // print a JSON summary on stdout
  double max_megapixels = 40;
  double max_file_megabytes = 50;

  void declare(CLI::App& command, bool output_required);
  DecodeLimits limits() const;
  // Checks format/extension agreement before any work starts; throws Error(usage).
  EncodeOptions encode_options() const;
};

// Writes the report (when asked) and the image; prints where they are (or a JSON summary).
void write_result(const OutputOptions& options, const Image& image, const OutputMetadata& metadata, nlohmann::json report);

// A result that failed verification: only the report is written (when asked, or on stdout with --json),
// so the failure can be read; no image (DESIGN: an output file exists only if the command succeeded).
void write_failed_report(const OutputOptions& options, const nlohmann::json& report);

}  // namespace easel::cli
