"""Placing a box in the scene view as a user does: "Add box", then a click on the reconstruction."""


def screen_position(page, world_point) -> dict:
    """Where ``world_point`` shows in the scene's canvas, in page pixels."""
    return page.evaluate(
        """([x, y, z]) => {
            const viewer = window.raylabelViewer;
            const v = viewer.camera.position.clone().set(x, y, z).project(viewer.camera);
            const rect = viewer.renderer.domElement.getBoundingClientRect();
            return {x: rect.left + (v.x + 1) / 2 * rect.width, y: rect.top + (1 - v.y) / 2 * rect.height};
        }""",
        list(world_point),
    )


def place_box(page, world_point=None) -> int:
    """Add a box where the user clicks: on ``world_point``'s place on screen, or the middle of the view.
    Answers the new object's id once the inspector shows it."""
    page.get_by_role("button", name="Add box").click()
    page.wait_for_selector(".placing-hint")
    canvas = page.locator(".viewport canvas")
    if world_point is None:
        canvas.click()
    else:
        at = screen_position(page, world_point)
        page.mouse.click(at["x"], at["y"])
    page.wait_for_selector(".inspector")
    return int(page.get_attribute(".inspector", "data-object"))
