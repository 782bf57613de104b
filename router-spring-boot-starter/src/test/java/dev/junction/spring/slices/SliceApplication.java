package dev.junction.spring.slices;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The configuration the test slices of this package find (they search the package and its parents). */
@SpringBootApplication
public class SliceApplication {}
