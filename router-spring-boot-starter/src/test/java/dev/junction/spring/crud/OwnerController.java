package dev.junction.spring.crud;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The Spring MVC CRUD shape of PetClinic, without login: Post/Redirect/Get after every form, and
 * load-then-save edits. The controller is not transactional (as in PetClinic), so each repository
 * call is its own transaction: the load is a read-only one (a replica), the save a read-write one,
 * and {@code save} merges the loaded (detached) entity back, every field included.
 */
@RestController
class OwnerController {
  private final OwnerRepository owners;

  OwnerController(OwnerRepository owners) {
    this.owners = owners;
  }

  @PostMapping("/owners/new")
  ResponseEntity<String> create(@RequestParam String name) {
    Owner owner = owners.save(new Owner(name));
    return redirect(owner.getId());
  }

  /** "name|telephone|pets", or 404 "Owner not found" (PetClinic answers 500 there). */
  @GetMapping("/owners/{id}")
  ResponseEntity<String> show(@PathVariable long id) {
    return owners.findById(id)
        .map(o -> ResponseEntity.ok(o.getName() + "|" + o.getTelephone() + "|" + o.getPets()))
        .orElseGet(() -> ResponseEntity.status(HttpStatus.NOT_FOUND).body("Owner not found"));
  }

  @PostMapping("/owners/{id}/edit")
  ResponseEntity<String> edit(@PathVariable long id, @RequestParam String telephone) {
    Owner owner = owners.findById(id).orElse(null);
    if (owner == null) {
      return ResponseEntity.status(HttpStatus.NOT_FOUND).body("Owner not found");
    }
    owner.setTelephone(telephone);
    owners.save(owner);
    return redirect(id);
  }

  /** PetClinic's "add pet": load the owner, add to it, save the whole owner back. */
  @PostMapping("/owners/{id}/pets/new")
  ResponseEntity<String> addPet(@PathVariable long id) {
    Owner owner = owners.findById(id).orElse(null);
    if (owner == null) {
      return ResponseEntity.status(HttpStatus.NOT_FOUND).body("Owner not found");
    }
    owner.addPet();
    owners.save(owner);
    return redirect(id);
  }

  private static ResponseEntity<String> redirect(long id) {
    return ResponseEntity.status(HttpStatus.FOUND).header("Location", "/owners/" + id).build();
  }
}
