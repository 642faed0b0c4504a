#pragma once
// Registration entry points, one per operation file.
namespace easel {

class Registry;

void register_color_adjust(Registry& registry);
void register_image_crop(Registry& registry);
void register_image_resize(Registry& registry);
void register_canvas_expand(Registry& registry);
void register_text_add(Registry& registry);
void register_text_replace(Registry& registry);

}  // namespace easel
