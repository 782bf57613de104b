package dev.junction.spring.lines;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/** Auto-configuration only, no component scan and no repositories: what is left when the database is switched off. */
@SpringBootConfiguration
@EnableAutoConfiguration
public class NoRepositoriesApplication {}
